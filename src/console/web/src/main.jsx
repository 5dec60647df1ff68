// The cxbridge console: a login form (the admin token → a session cookie; the token never goes
// into a URL), then pages for what an operator asks: what is flowing (overview), what happened
// to this event (events), what routes where (rules, targets, playground), what failed (dead
// letters, quarantine), and archives and replays. Hash routes: #/events/<id>, #/rules, ...
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { get, post, setCsrf, onSessionLost, ApiError } from "./api.js";
import { ErrorBox } from "./ui.jsx";
import { Overview } from "./overview.jsx";
import { Events, EventPage } from "./events.jsx";
import { Rules, RuleEdit, Targets, Playground } from "./rules.jsx";
import { Entries } from "./entries.jsx";
import { Archives } from "./archives.jsx";

const PAGES = [
  ["overview", "Overview"],
  ["events", "Events"],
  ["rules", "Rules"],
  ["targets", "Targets"],
  ["playground", "Pattern playground"],
  ["dlq", "Dead letters"],
  ["quarantine", "Quarantine"],
  ["archives", "Archives & replays"],
];

function useHash() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash.replace(/^#\/?/, "");
}

function Login({ onDone }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await post("/console/api/login", { token });
      setCsrf(r.csrf);
      setToken("");
      onDone();
    } catch (err) {
      setError(err.status === 401 ? new ApiError(401, "", "That is not the admin token.") : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} class="card">
        <h1>cxbridge</h1>
        <p class="muted">Sign in with the admin token (<code>server.admin_token</code>).</p>
        <label>
          Admin token
          <input id="token" type="password" autocomplete="current-password" value={token} autofocus
                 onInput={(e) => setToken(e.currentTarget.value)} required />
        </label>
        <ErrorBox error={error} title="Not signed in" />
        <button type="submit" class="primary" disabled={busy || !token}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </main>
  );
}

function Page({ route }) {
  const [name, ...rest] = route.split("/");
  const arg = rest.map(decodeURIComponent).join("/");
  switch (name) {
    case "events": return arg ? <EventPage id={arg} /> : <Events />;
    case "rules": return arg ? <RuleEdit id={arg} /> : <Rules />;
    case "targets": return <Targets />;
    case "playground": return <Playground />;
    case "dlq": return <Entries kind="dlq" id={arg} />;
    case "quarantine": return <Entries kind="quarantine" id={arg} />;
    case "archives": return <Archives />;
    default: return <Overview />;
  }
}

function App() {
  const [session, setSession] = useState(null);
  const [error, setError] = useState(null);
  const route = useHash();
  const check = async () => {
    try {
      const s = await get("/console/api/session");
      setCsrf(s.csrf);
      setSession(s);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    check();
    onSessionLost(() => setSession((s) => (s ? { ...s, authenticated: false } : s)));
  }, []);
  if (error) return <main class="login"><ErrorBox error={error} title="The console cannot start" /></main>;
  if (!session) return <p class="boot">Loading…</p>;
  if (!session.authenticated) return <Login onDone={check} />;
  const current = route.split("/")[0] || "overview";
  const logout = async () => {
    try { await post("/console/api/logout", {}); } finally { check(); }
  };
  return (
    <div class="shell">
      <nav class="side" aria-label="Console">
        <a class="brand" href="#/overview">cxbridge</a>
        {PAGES.map(([id, label]) => (
          <a key={id} href={"#/" + id} class={current === id ? "active" : ""} id={"nav-" + id}>{label}</a>
        ))}
        <div class="grow" />
        {session.tokenRequired ? <button class="link" onClick={logout} id="logout">Sign out</button>
                               : <span class="muted small">No admin token set: open on loopback</span>}
      </nav>
      <main class="content"><Page route={route} /></main>
    </div>
  );
}

render(<App />, document.getElementById("app"));
