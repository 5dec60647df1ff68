// The cxbridge command line: serve, send, dlq, test-pattern, genesys, ... (the contact-center
// simulator is a separate tool, cxbridge-simulate: src/genesys/simulate_main.cc).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli.h"
#include "app/config_check.h"
#include "app/events_cli.h"
#include "app/consume.h"
#include "app/logging.h"
#include "app/replay.h"
#include "app/server_app.h"
#include "app/version.h"
#include "genesys/setup.h"

int main(int argc, char** argv) {
  using namespace cxbridge::app;
  CLI::App cli{"cxbridge: a self-hosted, EventBridge-compatible event gateway for contact-center events"};
  cli.require_subcommand(1);
  bool debug = false;
  cli.add_flag("--debug", debug, "Verbose logs");
  cli.set_version_flag("--version", VersionLine(), "Print the version and the git revision built from");

  std::string config_check_path;
  auto* cfg_cmd = cli.add_subcommand("config", "Check a configuration file");
  cfg_cmd->require_subcommand(1);
  auto* cfg_check = cfg_cmd->add_subcommand(
      "check", "Report every problem of a config file (unknown keys, bad values) with its line and column");
  cfg_check->add_option("file", config_check_path, "YAML config file")->required();

  ServeOverrides serve;
  auto* s = cli.add_subcommand("serve", "Run the gateway");
  s->add_option("--config", serve.config_path, "YAML config file (built-in defaults when absent)");
  s->add_option("--port", serve.port, "Listen port (0: any free port)");
  s->add_option("--address", serve.address, "Listen address");
  s->add_option("--data-dir", serve.data_dir, "Data folder");
  s->add_option("--port-file", serve.port_file, "Write the bound port to this file once listening");
  s->add_flag("--allow-private-targets", serve.allow_private_targets,
              "Let API destinations and API-saved HTTP targets reach loopback/private/link-local addresses");

  PatternArgs pat;
  auto* tp = cli.add_subcommand("test-pattern", "Test an EventBridge pattern against an event (@file reads a file)");
  tp->add_option("--pattern", pat.pattern, "Pattern JSON or @path")->required();
  tp->add_option("--event", pat.event, "Event JSON or @path")->required();

  // `dlq` and `quarantine` share their commands (list, show, redrive/replay).
  DlqArgs dlq;
  auto add_entry_commands = [&](CLI::App* d, bool quarantine) {
    d->require_subcommand(1);
    auto add_common = [&](CLI::App* c) {
      c->add_option("--config", dlq.conn.config_path, "Config file (server address, data folder, token)");
      c->add_option("--data-dir", dlq.conn.data_dir, "Data folder (used directly when the server is stopped)");
      c->add_option("--server", dlq.conn.server, "Server URL (default from the config)");
      c->add_option("--token", dlq.conn.token,
                    "Admin bearer token (visible to local users in `ps`: prefer --token-file or $CXBRIDGE_ADMIN_TOKEN)");
      c->add_option("--token-file", dlq.conn.token_file, "File holding the admin token");
      c->add_option("--token-env", dlq.conn.token_env, "Environment variable holding the admin token");
      c->add_flag("--json", dlq.json, "Print raw JSON");
      c->callback([&dlq, quarantine] { dlq.quarantine = quarantine; });
    };
    auto* dl = d->add_subcommand("list", quarantine ? "List quarantined events" : "List dead-lettered deliveries");
    add_common(dl);
    dl->add_option("--limit", dlq.limit, "At most this many");
    auto* ds = d->add_subcommand("show", "Show one entry");
    add_common(ds);
    ds->add_option("id", dlq.id, "Entry id")->required();
    auto* dr = d->add_subcommand(quarantine ? "replay" : "redrive",
                                 quarantine ? "Normalize again with the current rules and accept"
                                            : "Deliver entries again (attempts reset)");
    add_common(dr);
    dr->add_option("ids", dlq.ids, "Entry ids");
    dr->add_flag("--all", dlq.all, "Every entry");
  };
  auto* d = cli.add_subcommand("dlq", "Inspect and redrive the dead-letter queue");
  add_entry_commands(d, false);
  auto* qr = cli.add_subcommand("quarantine", "Inspect and replay events that could not be normalized");
  add_entry_commands(qr, true);

  TargetsArgs targets;
  auto* tg = cli.add_subcommand("targets", "Inspect, pause and resume delivery targets (running server)");
  tg->require_subcommand(1);
  auto add_target_common = [&](CLI::App* c) {
    c->add_option("--config", targets.conn.config_path, "Config file (server address, token)");
    c->add_option("--server", targets.conn.server, "Server URL");
    c->add_option("--token", targets.conn.token,
                  "Admin bearer token (visible to local users in `ps`: prefer --token-file or $CXBRIDGE_ADMIN_TOKEN)");
    c->add_option("--token-file", targets.conn.token_file, "File holding the admin token");
    c->add_option("--token-env", targets.conn.token_env, "Environment variable holding the admin token");
  };
  auto* tl = tg->add_subcommand("list", "Queue depth and circuit state per target");
  add_target_common(tl);
  tl->add_flag("--json", targets.json, "Print raw JSON");
  auto* tpause = tg->add_subcommand("pause", "Hold a target's deliveries (they accumulate durably)");
  auto* tresume = tg->add_subcommand("resume", "Deliver to a paused target again");
  for (auto* c : {tpause, tresume}) {
    add_target_common(c);
    c->add_option("rule", targets.rule, "Rule name")->required();
    c->add_option("target", targets.target, "Target Id")->required();
    c->add_option("--bus", targets.bus, "Event bus (default: default)");
  }

  EventsArgs events;
  auto* ev = cli.add_subcommand("events", "The delivery history: what happened to an event (running server)");
  ev->require_subcommand(1);
  auto add_events_common = [&](CLI::App* c) {
    c->add_option("--config", events.conn.config_path, "Config file (server address, token)");
    c->add_option("--server", events.conn.server, "Server URL");
    c->add_option("--token", events.conn.token,
                  "Admin bearer token (visible to local users in `ps`: prefer --token-file or $CXBRIDGE_ADMIN_TOKEN)");
    c->add_option("--token-file", events.conn.token_file, "File holding the admin token");
    c->add_option("--token-env", events.conn.token_env, "Environment variable holding the admin token");
    c->add_flag("--json", events.json, "Print raw JSON");
  };
  auto* evs = ev->add_subcommand("show", "An event: the rules it matched and every attempt per target");
  add_events_common(evs);
  evs->add_option("id", events.id, "Event id")->required();
  auto* evt = ev->add_subcommand("tail", "Follow accepted events and their outcome as they come");
  add_events_common(evt);
  evt->add_option("--source", events.source, "Only events of this source");
  evt->add_option("--rule", events.rule, "Only events this rule matched");
  evt->add_option("--detail-type", events.detail_type, "Only detail-types starting with this");
  evt->add_option("--state", events.state, "Only delivered, pending, dead-lettered or unmatched events");
  evt->add_option("--last", events.last, "Start with this many recent events (default 10)");
  evt->add_flag("--once", events.once, "Print the recent events and stop");

  ReplayArgs replay;
  auto* rp = cli.add_subcommand("replay", "Replay archived events (EventBridge StartReplay) with a progress bar");
  rp->require_subcommand(1);
  auto add_replay_common = [&](CLI::App* c) {
    c->add_option("--config", replay.config_path, "Config file (server address, API credentials)");
    c->add_option("--server", replay.server, "Server URL");
  };
  auto* rps = rp->add_subcommand("start", "Start a replay and follow it");
  add_replay_common(rps);
  rps->add_option("--archive", replay.archive, "Archive name")->required();
  rps->add_option("--from", replay.from, "Window start (RFC 3339 or epoch seconds)")->required();
  rps->add_option("--to", replay.to, "Window end (RFC 3339, epoch seconds or 'now')")->required();
  rps->add_option("--name", replay.name, "Replay name (default: generated)");
  rps->add_option("--bus", replay.bus, "Destination bus (default: default)");
  rps->add_option("--rule", replay.rules, "Only to these rules (repeatable)");
  rps->add_flag("--no-wait", replay.no_wait, "Return once started");
  auto* rpst = rp->add_subcommand("status", "Follow a replay until it ends");
  add_replay_common(rpst);
  rpst->add_option("name", replay.name, "Replay name")->required();
  auto* rpc = rp->add_subcommand("cancel", "Cancel a replay");
  add_replay_common(rpc);
  rpc->add_option("name", replay.name, "Replay name")->required();

  SendArgs send;
  auto* sd = cli.add_subcommand("send", "Send one event to a webhook source, signed as the source's config requires");
  sd->add_option("--config", send.config_path, "Config file that defines the source (for its auth scheme)")->required();
  sd->add_option("--source", send.source, "Source name (POST /webhooks/<source>)")->required();
  sd->add_option("--data", send.data, "Body JSON or @path")->required();
  sd->add_option("--server", send.server, "Server URL (default from the config)");
  sd->add_option("--header", send.headers, "Extra header 'Name: value' (repeatable)");

  // --- consume: the controlled-rate consumer of a built-in queue (app/consume.cc) ---
  ConsumeArgs consume;
  auto* cs = cli.add_subcommand("consume", "Feed a built-in queue's messages to a command at a controlled rate "
                                           "(cxbridge consume QUEUE --rate 10/s -- COMMAND ARGS...)");
  cs->add_option("queue", consume.queue, "Queue name")->required();
  cs->add_option("command", consume.command, "Command and its arguments, after --")->required();
  cs->add_option("--rate", consume.rate, "Messages per second at most: 50/s, 300/m, 10/h (default unlimited)");
  cs->add_option("--concurrency", consume.concurrency, "Commands running at once, never two of one FIFO group (default 1)");
  cs->add_option("--visibility-timeout", consume.visibility_timeout, "Seconds a received message stays hidden (default 30)");
  cs->add_option("--timeout", consume.timeout, "Seconds a command may run before it is killed (default 30)");
  cs->add_option("--max", consume.max_messages, "Stop after this many messages were handled");
  cs->add_flag("--exit-when-empty", consume.exit_when_empty, "Stop when nothing is waiting");
  cs->add_flag("--quiet", consume.quiet, "No throughput line");
  cs->add_option("--config", consume.config_path,
                 "Config file (server address; api.access_keys to sign with)");
  cs->add_option("--server", consume.server, "Server URL (default http://127.0.0.1:8088)");
  // --- end consume ---


  // --- genesys: set Genesys Cloud up from the config (src/genesys/setup.h) ---
  cxbridge::genesys::GenesysCommandArgs gen;
  auto* gn = cli.add_subcommand("genesys", "Validate and set up Genesys Cloud from a genesys-notifications source");
  gn->require_subcommand(1);
  auto add_gen_common = [&](CLI::App* c) {
    c->add_option("--config", gen.config_path, "Config file")->required();
    c->add_option("--source", gen.source, "A genesys-notifications source (credentials, hosts, topics)")->required();
  };
  auto* gcheck = gn->add_subcommand("check", "Check credentials and list the topics Genesys would reject, and why");
  add_gen_common(gcheck);
  auto* geb = gn->add_subcommand("setup-eventbridge", "Create/update the amazon-eventbridge-source integration "
                                                      "(dry run unless --apply) and print the AWS side");
  add_gen_common(geb);
  geb->add_flag("--apply", gen.apply, "Make the changes (default: show them)");
  geb->add_option("--aws-account", gen.aws_account_id, "AWS account id (default: the source's eventbridge.aws_account_id)");
  geb->add_option("--aws-region", gen.aws_region, "AWS region (default: eventbridge.aws_region, else the server's)");
  geb->add_option("--suffix", gen.suffix, "Partner event source suffix (default: eventbridge.suffix)");
  geb->add_option("--name", gen.name, "Integration name (default: eventbridge.name or 'cxbridge EventBridge')");
  geb->add_option("--topic", gen.topics, "Event filter topic pattern, repeatable (default: eventbridge.topics, else the source's topics)");
  auto* gtrig = gn->add_subcommand("setup-trigger", "Create the data action posting to a cxbridge api-key webhook source, "
                                                   "and the Process Automation trigger (dry run unless --apply)");
  add_gen_common(gtrig);
  gtrig->add_flag("--apply", gen.apply, "Make the changes (default: show them)");
  gtrig->add_option("--webhook-source", gen.webhook_source, "The cxbridge source (auth scheme api-key) to post to")->required();
  gtrig->add_option("--url", gen.url, "cxbridge's base URL as Genesys reaches it (https://...)")->required();
  gtrig->add_option("--topic", gen.topic, "Trigger topic, e.g. v2.detail.events.conversation.{id}.customer.end")->required();
  gtrig->add_option("--workflow-id", gen.workflow_id, "The Architect workflow that calls the data action (the trigger's target)");
  gtrig->add_option("--name", gen.name, "Name of the integration, action and trigger (default 'cxbridge <webhook source>')");
  gtrig->add_option("--workflow-yaml", gen.workflow_yaml, "Write an Archy workflow that calls the data action to this file");
  // --- end genesys ---

  // The simulator is the separate tool cxbridge-simulate (it serves a Genesys API double, which
  // the gateway does not link); `cxbridge simulate` only says where it went.
  auto* moved = cli.add_subcommand("simulate", "Moved: the contact-center simulator is the tool cxbridge-simulate");
  moved->allow_extras();

  CLI11_PARSE(cli, argc, argv);
  InitJsonLogging(debug);
  if (*s) return RunServe(serve);
  if (*cfg_check) return RunConfigCheck(config_check_path, std::cout);
  if (*evs) return RunEventsShow(events, std::cout);
  if (*evt) return RunEventsTail(events, std::cout);
  if (*tp) return RunTestPattern(pat);
  for (CLI::App* group : {d, qr}) {
    if (!group->parsed()) continue;
    if (group->get_subcommand("list")->parsed()) return RunDlqList(dlq);
    if (group->get_subcommand("show")->parsed()) return RunDlqShow(dlq);
    return RunDlqRedrive(dlq);
  }
  if (*sd) return RunSend(send);
  if (*rp) {
    replay.action = rps->parsed() ? "start" : rpst->parsed() ? "status" : "cancel";
    return RunReplay(replay);
  }
  if (*gn) {  // genesys
    if (*gcheck) return cxbridge::genesys::RunGenesysCheck(gen, std::cout, std::cerr);
    if (*gtrig) return cxbridge::genesys::RunSetupTrigger(gen, std::cout, std::cerr);
    return cxbridge::genesys::RunSetupEventBridge(gen, std::cout, std::cerr);
  }
  if (*moved) {
    std::cerr << "the simulator is a separate tool now: cxbridge-simulate (same options; the build puts it "
                 "next to cxbridge)\n";
    return 2;
  }
  if (*cs) return RunConsume(consume);
  if (*tg) {
    if (*tl) return RunTargetsList(targets);
    return RunTargetsPause(targets, tpause->parsed());
  }
  return 2;
}
