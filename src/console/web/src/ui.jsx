// Small shared pieces: data loading with loading/error/empty states, polling, formatting.
import { useEffect, useState, useCallback, useRef } from "preact/hooks";

// Loads `fn()` now and whenever `deps` change; `every` ms re-polls (live pages) without flicker.
export function useLoad(fn, deps = [], every = 0) {
  const [state, setState] = useState({ loading: true, error: null, data: null });
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const data = await fn();
      if (mine === seq.current) setState({ loading: false, error: null, data });
    } catch (e) {
      if (mine === seq.current) setState((s) => ({ loading: false, error: e, data: s.data }));
    }
  }, deps);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    reload();
    if (!every) return undefined;
    const t = setInterval(reload, every);
    return () => clearInterval(t);
  }, [reload, every]);
  return { ...state, reload };
}

export function Loading({ what }) {
  return <p class="muted">Loading {what}…</p>;
}

export function ErrorBox({ error, title }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{title || "Something went wrong"}</strong>
      {error.code ? <span class="code">{error.code}</span> : null}
      <div>{error.message}</div>
    </div>
  );
}

export function Empty({ children }) {
  return <div class="empty">{children}</div>;
}

export function Notice({ notice, onClose }) {
  if (!notice) return null;
  return (
    <div class={"notice " + (notice.kind || "ok")} role="status">
      <span>{notice.text}</span>
      {onClose ? <button class="link" onClick={onClose} aria-label="Dismiss">×</button> : null}
    </div>
  );
}

export function fmtTime(ms) {
  if (ms === undefined || ms === null || ms === "") return "—";
  const d = typeof ms === "number" ? new Date(ms) : new Date(ms);
  if (isNaN(d)) return String(ms);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z").replace("Z", " UTC");
}

export function fmtMs(ms) {
  if (ms === undefined || ms === null) return "—";
  if (ms < 1) return ms.toFixed(2) + " ms";
  if (ms < 1000) return Math.round(ms) + " ms";
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
}

export function fmtAgo(ms, now = Date.now()) {
  if (!ms) return "—";
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return "in " + fmtDur(-s);
  return fmtDur(s) + " ago";
}

export function fmtDur(s) {
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
  if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
}

export function Json({ value }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Badge({ kind, children }) {
  return <span class={"badge " + (kind || "")}>{children}</span>;
}

const STATE_KINDS = {
  delivered: "ok", DELIVERED: "ok", closed: "ok", ENABLED: "ok", COMPLETED: "ok", connected: "ok",
  pending: "warn", retrying: "warn", "half-open": "warn", RUNNING: "warn", STARTING: "warn",
  "dead-lettered": "bad", open: "bad", failed: "bad", DISABLED: "muted", FAILED: "bad", CANCELLED: "muted",
  quarantined: "bad", paused: "muted",
};
export function State({ value }) {
  return <Badge kind={STATE_KINDS[value] || ""}>{value || "—"}</Badge>;
}

export function navigate(hash) {
  window.location.hash = hash;
}
