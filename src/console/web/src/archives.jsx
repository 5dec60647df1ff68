// Archives and replays: the archives (EventBridge's ListArchives), starting a replay of a time
// window into a bus, and each replay's progress, polled live (ListReplays: the last replayed
// event time within the window).
import { useState } from "preact/hooks";
import { aws } from "./api.js";
import { useLoad, Loading, ErrorBox, Empty, Notice, State, fmtTime } from "./ui.jsx";

const toSec = (v) => (typeof v === "number" ? v : Date.parse(v) / 1000);

function progress(r) {
  const start = toSec(r.EventStartTime), end = toSec(r.EventEndTime);
  if (r.State === "COMPLETED") return 1;
  if (!r.EventLastReplayedTime || !(end > start)) return 0;
  return Math.max(0, Math.min(1, (toSec(r.EventLastReplayedTime) - start) / (end - start)));
}

function localInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function Archives() {
  const archives = useLoad(() => aws("ListArchives", {}), [], 10000);
  const replays = useLoad(() => aws("ListReplays", {}), [], 2000);
  const now = new Date();
  const [form, setForm] = useState({ archive: "", from: localInput(new Date(now - 3600e3)), to: localInput(now), bus: "default", name: "" });
  const [notice, setNotice] = useState(null);
  const [startError, setStartError] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const list = archives.data?.Archives || [];
  const start = async (e) => {
    e.preventDefault();
    setStartError(null);
    const archive = list.find((a) => a.ArchiveName === (form.archive || list[0]?.ArchiveName));
    if (!archive) return;
    const name = form.name || `console-${Date.now()}`;
    try {
      const desc = await aws("DescribeArchive", { ArchiveName: archive.ArchiveName });
      await aws("StartReplay", {
        ReplayName: name, EventSourceArn: desc.ArchiveArn,
        EventStartTime: Math.floor(new Date(form.from).getTime() / 1000),
        EventEndTime: Math.floor(new Date(form.to).getTime() / 1000),
        Destination: { Arn: desc.EventSourceArn.replace(/event-bus\/[^/]+$/, "event-bus/" + form.bus) },
      });
      setNotice({ kind: "ok", text: `Replay ${name} started.` });
      replays.reload();
    } catch (err) {
      setStartError(err);
    }
  };
  const cancel = async (r) => {
    try { await aws("CancelReplay", { ReplayName: r.ReplayName }); replays.reload(); } catch (err) { setNotice({ kind: "bad", text: err.message }); }
  };
  return (
    <section>
      <header class="page-head"><h1>Archives & replays</h1></header>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <h2>Archives</h2>
      <ErrorBox error={archives.error} />
      {!archives.data ? <Loading what="archives" /> : list.length === 0 ? (
        <Empty>No archives. Create one with <code>aws events create-archive</code>: it keeps the events of a bus for replay.</Empty>
      ) : (
        <table class="list">
          <thead><tr><th>Archive</th><th>Source bus</th><th>State</th><th>Events</th><th>Retention</th></tr></thead>
          <tbody>{list.map((a) => (
            <tr key={a.ArchiveName}><td>{a.ArchiveName}</td><td class="small mono ellipsis">{a.EventSourceArn}</td><td><State value={a.State} /></td>
              <td>{a.EventCount ?? "—"}</td><td>{a.RetentionDays ? a.RetentionDays + " days" : "forever"}</td></tr>
          ))}</tbody>
        </table>
      )}
      {list.length ? (
        <form class="edit filters" onSubmit={start}>
          <label>Archive<select value={form.archive} onChange={set("archive")}>{list.map((a) => <option>{a.ArchiveName}</option>)}</select></label>
          <label>From<input type="datetime-local" value={form.from} onInput={set("from")} required /></label>
          <label>To<input type="datetime-local" value={form.to} onInput={set("to")} required /></label>
          <label>Into bus<input value={form.bus} onInput={set("bus")} required /></label>
          <label>Replay name<input value={form.name} onInput={set("name")} placeholder="generated" /></label>
          <button type="submit" class="primary" id="start-replay">Start replay</button>
        </form>
      ) : null}
      <ErrorBox error={startError} title="The replay did not start" />
      <h2>Replays</h2>
      <ErrorBox error={replays.error} />
      {!replays.data ? <Loading what="replays" /> : (replays.data.Replays || []).length === 0 ? <Empty>No replays yet.</Empty> : (
        <table class="list">
          <thead><tr><th>Replay</th><th>Window</th><th>State</th><th>Progress</th><th /></tr></thead>
          <tbody>{replays.data.Replays.map((r) => (
            <tr key={r.ReplayName}>
              <td>{r.ReplayName}<div class="muted small">{r.StateReason}</div></td>
              <td class="small">{fmtTime(toSec(r.EventStartTime) * 1000)} → {fmtTime(toSec(r.EventEndTime) * 1000)}</td>
              <td><State value={r.State} /></td>
              <td><progress max="1" value={progress(r)} /> {Math.round(progress(r) * 100)}%</td>
              <td>{r.State === "RUNNING" || r.State === "STARTING" ? <button class="small-btn" onClick={() => cancel(r)}>Cancel</button> : null}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
