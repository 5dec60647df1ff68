// Events: search recent events (id, source, detail-type, time range, outcome); an event's page
// shows its JSON, the rules it matched, every delivery attempt per target as a timeline, and the
// buttons to redeliver to one target or replay the event through the rules.
import { useState } from "preact/hooks";
import { get, post, query } from "./api.js";
import { useLoad, Loading, ErrorBox, Empty, Notice, State, Json, fmtTime, fmtMs, navigate } from "./ui.jsx";

const OUTCOMES = ["", "delivered", "pending", "dead-lettered", "unmatched"];

function toMs(local) {
  if (!local) return "";
  const d = new Date(local);
  return isNaN(d) ? "" : String(d.getTime());
}

export function Events() {
  const [form, setForm] = useState({ id: "", source: "", detailType: "", from: "", to: "", outcome: "" });
  const [params, setParams] = useState({});
  const { data, error, loading } = useLoad(() => get("/admin/events" + query({ ...params, limit: 100 })),
                                           [JSON.stringify(params)], params.id ? 0 : 5000);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    if (form.id.trim()) return navigate("#/events/" + encodeURIComponent(form.id.trim()));
    setParams({ source: form.source.trim(), detailType: form.detailType.trim(), from: toMs(form.from),
                to: toMs(form.to), outcome: form.outcome });
  };
  return (
    <section>
      <header class="page-head"><h1>Events</h1><span class="muted small">kept for the event retention (storage.event_retention_seconds)</span></header>
      <form class="filters" onSubmit={submit}>
        <label>Event id<input id="event-id" value={form.id} onInput={set("id")} placeholder="e.g. 3f1c…" /></label>
        <label>Source<input id="event-source" value={form.source} onInput={set("source")} placeholder="genesys.cloud" /></label>
        <label>Detail-type<input value={form.detailType} onInput={set("detailType")} placeholder="prefix, e.g. v2.detail" /></label>
        <label>From<input type="datetime-local" value={form.from} onInput={set("from")} /></label>
        <label>To<input type="datetime-local" value={form.to} onInput={set("to")} /></label>
        <label>Outcome<select value={form.outcome} onChange={set("outcome")}>
          {OUTCOMES.map((o) => <option value={o}>{o || "any"}</option>)}
        </select></label>
        <button type="submit" class="primary" id="event-search">Search</button>
      </form>
      <ErrorBox error={error} />
      {!data ? (loading ? <Loading what="events" /> : null) : data.events.length === 0 ? (
        <Empty>No events match. Events appear here as soon as a source accepts them, for as long as the retention keeps them.</Empty>
      ) : (
        <table class="list">
          <thead><tr><th>Time</th><th>Event id</th><th>Source</th><th>Detail-type</th><th>Rules</th><th>Outcome</th></tr></thead>
          <tbody>
            {data.events.map((e) => (
              <tr key={e.id} class="clickable" onClick={() => navigate("#/events/" + encodeURIComponent(e.id))}>
                <td class="nowrap">{fmtTime(e.timeMs)}</td>
                <td><a href={"#/events/" + encodeURIComponent(e.id)} class="mono">{e.id}</a></td>
                <td>{e.source}</td>
                <td class="ellipsis" title={e.detailType}>{e.detailType}</td>
                <td>{e.rules.length ? e.rules.join(", ") : <span class="muted">none</span>}</td>
                <td><State value={e.state} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.truncated ? <p class="muted small">Showing the newest {data.events.length}; narrow the search to see older ones.</p> : null}
    </section>
  );
}

function Attempt({ a }) {
  const kind = a.outcome === "delivered" ? "ok" : a.outcome === "retry" ? "warn" : "bad";
  return (
    <li class={"attempt " + kind}>
      <div class="attempt-head">
        <strong>#{a.number}</strong> <span class="nowrap">{fmtTime(a.timeMs)}</span>
        <State value={a.outcome} />
        {a.status ? <span class="mono">HTTP {a.status}</span> : null}
        {a.code ? <span class="mono">{a.code}</span> : null}
        <span class="muted">{fmtMs(a.latencyMs)}</span>
      </div>
      {a.message ? <div class="small">{a.message}</div> : null}
      {a.nextRetryMs ? <div class="small muted">next retry at {fmtTime(a.nextRetryMs)}</div> : null}
    </li>
  );
}

export function EventPage({ id }) {
  const { data, error, loading, reload } = useLoad(() => get("/admin/events/" + encodeURIComponent(id)), [id], 3000);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState("");
  const act = async (what, path, body) => {
    setBusy(what);
    try {
      const r = await post(path, body);
      setNotice({ kind: "ok", text: r.message || "Done." });
      reload();
    } catch (e) {
      setNotice({ kind: "bad", text: e.message });
    } finally {
      setBusy("");
    }
  };
  if (!data) {
    if (loading) return <Loading what={"event " + id} />;
    return (
      <section>
        <p><a href="#/events">← Events</a></p>
        <ErrorBox error={error} title={error?.status === 404 ? "No such event" : undefined} />
        {error?.status === 404 ? <p class="muted">Events are kept for the event retention; older ones are gone.</p> : null}
      </section>
    );
  }
  const base = "/admin/events/" + encodeURIComponent(id);
  return (
    <section>
      <p><a href="#/events">← Events</a></p>
      <header class="page-head">
        <h1 class="mono">{data.id}</h1>
        <State value={data.state} />
      </header>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <dl class="facts">
        <dt>Received</dt><dd>{fmtTime(data.timeMs)}</dd>
        <dt>Source</dt><dd>{data.source}</dd>
        <dt>Detail-type</dt><dd>{data.detailType}</dd>
        <dt>Bus</dt><dd>{data.bus}</dd>
        <dt>Rules matched</dt><dd>{data.rules.length ? data.rules.join(", ") : "none (no rule matched this event)"}</dd>
      </dl>
      <div class="actions">
        <button id="replay-event" disabled={!!busy || !data.event} onClick={() => act("replay", base + "/replay", {})}>
          {busy === "replay" ? "Replaying…" : "Replay through the rules"}
        </button>
      </div>
      <h2>Deliveries</h2>
      {data.targets.length === 0 ? <Empty>No target received this event: no rule matched it.</Empty> : data.targets.map((t) => (
        <div class="card delivery" key={t.rule + "/" + t.target}>
          <div class="card-head">
            <strong>{t.rule} → {t.target}</strong> <State value={t.state} />
            <span class="muted small ellipsis" title={t.arn}>{t.arn}</span>
            <span class="grow" />
            <button class="redeliver" disabled={!!busy || !data.event}
                    onClick={() => act("redeliver", base + "/redeliver", { bus: data.bus, rule: t.rule, target: t.target })}>
              Redeliver to {t.target}
            </button>
          </div>
          {t.attempts.length === 0 ? <p class="muted small">No attempt yet.</p> : (
            <ol class="timeline">{t.attempts.map((a) => <Attempt a={a} key={a.number} />)}</ol>
          )}
          {t.attemptsOmitted ? <p class="muted small">{t.attemptsOmitted} earlier attempts not kept (the history keeps the first and the latest ones).</p> : null}
        </div>
      ))}
      <h2>Event</h2>
      {data.event ? <Json value={data.event} /> : <Empty>The event itself is no longer in the log (retention); its delivery history is.</Empty>}
    </section>
  );
}
