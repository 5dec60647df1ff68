// cxbridge-simulate: plays a simulated Genesys Cloud contact center into a cxbridge webhook
// source (signed per its auth) or, with --target notifications, serves the Genesys API and
// notification WebSocket (the test double) for a genesys-notifications source to connect to.
// A tool binary apart from `cxbridge`: the gateway links neither the simulator nor the double.
#include <CLI/CLI.hpp>

#include "genesys/simulate_command.h"

int main(int argc, char** argv) {
  cxbridge::genesys::SimulateArgs sim;
  CLI::App cli{"cxbridge-simulate: play a simulated Genesys Cloud contact center into a cxbridge webhook source "
               "(signed per its auth) or a genesys-notifications source"};
  cli.add_option("--agents", sim.agents, "Agents (default 20)");
  cli.add_option("--queues", sim.queues, "Queues (default 2)");
  cli.add_option("--duration", sim.duration, "Simulated time: 90s, 10m, 2h (default 60s)");
  cli.add_option("--speed", sim.speed, "Simulated seconds per real second; 0 = as fast as possible (default 1)");
  cli.add_option("--target", sim.target, "Webhook URL, or 'notifications' to serve the Genesys API + WebSocket");
  cli.add_option("--config", sim.config_path, "Config file defining --source (URL, auth scheme, or credentials/ids)");
  cli.add_option("--source", sim.source, "Source name in --config");
  cli.add_option("--listen-port", sim.listen_port, "Port of the Genesys double for --target notifications (default 9300)");
  cli.add_option("--format", sim.format, "Body: frame (notification frame) or eventbridge (partner event envelope)");
  cli.add_option("--duplicates", sim.duplicates, "Percent of frames sent twice");
  cli.add_option("--out-of-order", sim.out_of_order, "Percent of frames held back behind later ones");
  cli.add_option("--oversized", sim.oversized, "Percent of frames padded past the body limit");
  cli.add_option("--oversized-bytes", sim.oversized_bytes, "Padding per oversized frame (default 300 KiB)");
  cli.add_option("--variants", sim.variants,
                 "Percent of frames in a schema variant: real historical shapes (older topic names, fields "
                 "added later missing) and synthetic ones (marked as such in the summary)");
  cli.add_option("--calls-per-hour", sim.calls_per_hour, "Arrival rate (default: ~85% agent occupancy)");
  cli.add_option("--transcripts", sim.transcripts, "Percent of calls with transcription events (default 20)");
  cli.add_flag("--no-snapshots", sim.no_snapshots, "Leave out conversation snapshot topics");
  cli.add_option("--seed", sim.seed, "Random seed (same seed, same contact center)");
  cli.add_option("--concurrency", sim.concurrency, "Requests in flight at most (default 32)");
  CLI11_PARSE(cli, argc, argv);
  return cxbridge::genesys::RunSimulateCommand(sim);
}
