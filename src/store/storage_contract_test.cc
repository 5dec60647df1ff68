// The storage contract suite (testing/storage_contract.h) on the embedded engine, and on the
// fault-injecting wrapper around it — healthy (it must not change the contract) and faulted.
#include "store/testing/storage_contract.h"

#include "store/testing/engines.h"

namespace cxbridge::store::testing {
namespace {

using Embedded = EmbeddedEngine;
using FaultInjectingEmbedded = FaultInjectingEngine<EmbeddedEngine>;

using AllEngines = ::testing::Types<Embedded, FaultInjectingEmbedded>;
using FaultEngines = ::testing::Types<FaultInjectingEmbedded>;
INSTANTIATE_TYPED_TEST_SUITE_P(StorageContract, StorageContract, AllEngines);
INSTANTIATE_TYPED_TEST_SUITE_P(StorageFaultContract, StorageFaultContract, FaultEngines);

}  // namespace
}  // namespace cxbridge::store::testing
