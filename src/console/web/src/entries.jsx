// Dead letters and quarantine: browse with the reason, inspect one, redrive (dead letters: deliver
// again, attempts reset) or replay (quarantine: normalize again with the current rules) one, some
// or all.
import { useState } from "preact/hooks";
import { get, post } from "./api.js";
import { useLoad, Loading, ErrorBox, Empty, Notice, Json, fmtTime, navigate } from "./ui.jsx";

const KINDS = {
  dlq: {
    title: "Dead letters", list: "/admin/dlq", one: "/admin/dlq/", act: "/admin/dlq/redrive", verb: "Redrive",
    done: "redriven", what: "dead-lettered deliveries",
    empty: "No dead letters: every delivery either succeeded or is still being retried.",
    help: "Redrive delivers the event to the same target again, with its attempts reset.",
  },
  quarantine: {
    title: "Quarantine", list: "/admin/quarantine", one: "/admin/quarantine/", act: "/admin/quarantine/replay", verb: "Replay",
    done: "replayed", what: "quarantined events",
    empty: "Nothing is quarantined: every event could be normalized.",
    help: "Replay normalizes the event again with the current schemas: those that pass are accepted and routed.",
  },
};

function Detail({ kind, id }) {
  const k = KINDS[kind];
  const { data, error, loading } = useLoad(() => get(k.one + encodeURIComponent(id)), [kind, id]);
  const [notice, setNotice] = useState(null);
  const act = async () => {
    try {
      const r = await post(k.act, { ids: [id] });
      const failed = r.failed || [];
      if (failed.length) setNotice({ kind: "bad", text: failed.map((f) => f.reason).join("; ") });
      else { setNotice({ kind: "ok", text: `Entry ${k.done}.` }); }
    } catch (e) {
      setNotice({ kind: "bad", text: e.message });
    }
  };
  return (
    <section>
      <p><a href={"#/" + kind}>← {k.title}</a></p>
      <header class="page-head"><h1 class="mono">{id}</h1></header>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {!data ? (loading ? <Loading what="the entry" /> : <ErrorBox error={error} title={error?.status === 404 ? "No such entry (already redriven or replayed?)" : undefined} />) : (
        <div>
          <dl class="facts">
            {kind === "dlq" ? [
              <dt>Rule → target</dt>, <dd>{data.rule} → {data.target}</dd>,
              <dt>Reason</dt>, <dd><span class="mono">{data.errorCode}</span> {data.errorMessage}</dd>,
              <dt>Attempts</dt>, <dd>{data.attempts} ({data.exhaustedCondition || "not retried"})</dd>,
              <dt>First / last attempt</dt>, <dd>{fmtTime(data.firstAttemptTime)} / {fmtTime(data.lastAttemptTime)}</dd>,
            ] : [
              <dt>Reason</dt>, <dd>{data.reason}</dd>,
              <dt>Source</dt>, <dd>{data.source}</dd>,
              <dt>Detail-type</dt>, <dd>{data.detailType}</dd>,
            ]}
            <dt>Event</dt><dd>{data.event?.id ? <a class="mono" href={"#/events/" + encodeURIComponent(data.event.id)}>{data.event.id}</a> : "—"}</dd>
            <dt>Time</dt><dd>{fmtTime(data.time)}</dd>
          </dl>
          <div class="actions"><button class="primary" id="entry-act" onClick={act}>{k.verb}</button></div>
          <h2>Event</h2>
          <Json value={data.event} />
        </div>
      )}
    </section>
  );
}

export function Entries({ kind, id }) {
  if (id) return <Detail kind={kind} id={id} />;
  const k = KINDS[kind];
  const { data, error, loading, reload } = useLoad(() => get(k.list + "?limit=500"), [kind], 5000);
  const [selected, setSelected] = useState(new Set());
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const entries = data?.entries || [];
  const toggle = (eid) => {
    const s = new Set(selected);
    s.has(eid) ? s.delete(eid) : s.add(eid);
    setSelected(s);
  };
  const act = async (all) => {
    setBusy(true);
    try {
      const r = await post(k.act, all ? { all: true, ids: [] } : { ids: [...selected] });
      const ok = (r[k.done] || []).length;
      const failed = r.failed || [];
      setNotice({ kind: failed.length ? "bad" : "ok",
                  text: `${ok} ${k.done}` + (failed.length ? `, ${failed.length} failed: ` + failed.map((f) => `${f.id}: ${f.reason}`).join("; ") : ".") });
      setSelected(new Set());
      reload();
    } catch (e) {
      setNotice({ kind: "bad", text: e.message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>{k.title}</h1>
        <span class="grow" />
        <button id="act-selected" disabled={busy || selected.size === 0} onClick={() => act(false)}>{k.verb} selected ({selected.size})</button>
        <button id="act-all" disabled={busy || entries.length === 0} onClick={() => act(true)}>{k.verb} all</button>
      </header>
      <p class="muted small">{k.help}</p>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <ErrorBox error={error} />
      {!data ? (loading ? <Loading what={k.what} /> : null) : entries.length === 0 ? <Empty>{k.empty}</Empty> : (
        <table class="list">
          <thead><tr><th /><th>Time</th>{kind === "dlq" ? <th>Rule → target</th> : <th>Source / detail-type</th>}<th>Reason</th><th>Event</th></tr></thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} class="entry">
                <td><input type="checkbox" aria-label={"select " + e.id} checked={selected.has(e.id)} onChange={() => toggle(e.id)} /></td>
                <td class="nowrap"><a href={`#/${kind}/${encodeURIComponent(e.id)}`}>{fmtTime(e.time)}</a></td>
                {kind === "dlq" ? <td>{e.rule} → {e.target}</td> : <td>{e.source}<div class="muted small">{e.detailType}</div></td>}
                <td>{kind === "dlq" ? <span><span class="mono">{e.errorCode}</span> <span class="small">{e.errorMessage}</span></span> : <span class="small">{e.reason}</span>}</td>
                <td><a class="mono small" href={"#/events/" + encodeURIComponent(e.event?.id || e.eventId || "")}>{e.event?.id || e.eventId}</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
