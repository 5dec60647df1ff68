// Overview: what flows through cxbridge now. Rates per second over the last hour (sampled by the
// server every few seconds), backlog and delivery latency per target, and each source's state.
// Polls every 2 s; charts update in place.
import { get } from "./api.js";
import { useLoad, Loading, ErrorBox, Empty, State, fmtMs } from "./ui.jsx";
import { TimeChart, Bars } from "./charts.jsx";

export function Overview() {
  const { data, error, loading } = useLoad(() => get("/admin/overview"), [], 2000);
  if (!data) return loading ? <Loading what="the overview" /> : <ErrorBox error={error} />;
  const s = data.series;
  const rate = (label, values, color) => ({ label, values, color });
  return (
    <section>
      <header class="page-head">
        <h1>Overview</h1>
        <span class="muted small">live · last hour, per second (averaged over {s.step} s)</span>
      </header>
      <ErrorBox error={error} title="The last refresh failed (showing the previous data)" />
      <div class="grid2">
        <TimeChart title="Events in" times={s.t} unit="/s" series={[
          rate("accepted", s.accepted, "#2563eb"), rate("quarantined", s.quarantined, "#db2777"),
          rate("duplicates", s.duplicates, "#94a3b8")]} />
        <TimeChart title="Deliveries" times={s.t} unit="/s" series={[
          rate("delivered", s.delivered, "#16a34a"), rate("retried", s.retried, "#d97706"),
          rate("dead-lettered", s.deadLettered, "#dc2626")]} />
      </div>
      <div class="grid2">
        <Bars title="Backlog per target (pending deliveries)" items={data.targets.map((t) => ({
          label: `${t.rule}/${t.target}`, value: t.depth, kind: t.circuit === "open" ? "bad" : t.paused ? "muted" : "" }))} />
        <Bars title="Send → answer latency per target, p50 / p99 (last 256 attempts)" format={fmtMs}
              items={data.targets.flatMap((t) => [
                { label: `${t.rule}/${t.target} p50`, value: t.p50Ms ?? 0 },
                { label: `${t.rule}/${t.target} p99`, value: t.p99Ms ?? 0, kind: "warn" }])} />
      </div>
      <h2>Sources</h2>
      {data.sources.length === 0 ? <Empty>No sources are configured. Add one under <code>sources:</code> in the config file.</Empty> : (
        <div class="cards">
          {data.sources.map((src) => (
            <div class="card source" key={src.name}>
              <div class="card-head"><strong>{src.name}</strong> <State value={src.state} /></div>
              <div class="muted small">{src.kind}</div>
              {src.kind === "genesys-notifications" ? (
                <dl>
                  <dt>Channels</dt><dd>{src.channels ?? "—"}</dd>
                  <dt>Topics</dt><dd>{src.topics ?? "—"}</dd>
                  <dt>Heartbeats</dt><dd>{src.heartbeats ?? "—"}</dd>
                  <dt>Rotations</dt><dd>{src.rotations ?? "—"}</dd>
                  <dt>Events stored</dt><dd>{src.eventsStored ?? "—"}</dd>
                </dl>
              ) : (
                <dl>
                  <dt>Path</dt><dd><code>POST /webhooks/{src.name}</code></dd>
                  <dt>Auth</dt><dd>{src.auth}</dd>
                </dl>
              )}
              {src.detail ? <p class="small">{src.detail}</p> : null}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
