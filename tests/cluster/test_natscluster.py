"""The cluster test harness itself: three real nats-server processes form a JetStream cluster,
one is killed and restarted by PID, and the meta leader is found again."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import natscluster  # noqa: E402


@unittest.skipUnless(natscluster.have_nats_server(), "nats-server is not installed")
class NatsClusterHarnessTest(unittest.TestCase):
    def test_three_servers_elect_a_meta_leader_and_survive_a_kill(self):
        with natscluster.NatsCluster(size=3) as nats:
            leader = nats.wait_meta_leader()
            self.assertIn(leader, range(3))
            self.assertEqual(len(set(nats.urls())), 3)
            pid = nats.pid(leader)
            nats.kill(leader)
            self.assertFalse(nats.running(leader))
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)
            new_leader = nats.wait_meta_leader()
            self.assertNotEqual(new_leader, leader)
            nats.restart(leader)
            self.assertTrue(nats.running(leader))
            self.assertNotEqual(nats.pid(leader), pid)


if __name__ == "__main__":
    unittest.main()
