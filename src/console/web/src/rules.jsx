// Rules and targets: list, create and edit rules through the EventBridge API's own operations
// (same validation, same error texts), enable/disable, pause/resume a target and see its circuit;
// the pattern playground tests a pattern against recent real events.
import { useState } from "preact/hooks";
import { get, post, aws } from "./api.js";
import { useLoad, Loading, ErrorBox, Empty, Notice, State, fmtTime, navigate } from "./ui.jsx";

const ruleId = (r) => encodeURIComponent(r.bus) + "/" + encodeURIComponent(r.name);

function pretty(text) {
  if (!text) return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

export function Rules() {
  const { data, error, loading, reload } = useLoad(() => get("/admin/rules"), [], 5000);
  const [notice, setNotice] = useState(null);
  const toggle = async (r) => {
    try {
      await aws(r.state === "ENABLED" ? "DisableRule" : "EnableRule", { Name: r.name, EventBusName: r.bus });
      setNotice({ kind: "ok", text: `Rule ${r.name} ${r.state === "ENABLED" ? "disabled" : "enabled"}.` });
      reload();
    } catch (e) {
      setNotice({ kind: "bad", text: e.message });
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>Rules</h1>
        <span class="grow" />
        <button class="primary" id="new-rule" onClick={() => navigate("#/rules/new")}>New rule</button>
      </header>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <ErrorBox error={error} />
      {!data ? (loading ? <Loading what="rules" /> : null) : data.rules.length === 0 ? (
        <Empty>No rules yet. Create one here, with <code>aws events put-rule</code>, or under <code>rules:</code> in the config file.</Empty>
      ) : (
        <table class="list">
          <thead><tr><th>Rule</th><th>Bus</th><th>Pattern or schedule</th><th>Targets</th><th>State</th><th /></tr></thead>
          <tbody>
            {data.rules.map((r) => (
              <tr key={r.bus + "/" + r.name} id={"rule-" + r.name}>
                <td><a href={"#/rules/" + ruleId(r)}>{r.name}</a>{r.origin === "config" ? <div class="muted small">config file{r.line ? `, line ${r.line}` : ""}</div> : null}</td>
                <td>{r.bus}</td>
                <td class="mono small ellipsis" title={r.eventPattern || r.scheduleExpression}>{r.eventPattern || r.scheduleExpression}</td>
                <td>{r.targets.map((t) => t.Id).join(", ") || <span class="muted">none</span>}</td>
                <td><State value={r.state} /></td>
                <td class="nowrap">
                  {r.origin === "api" ? (
                    <button class="small-btn toggle" onClick={() => toggle(r)}>{r.state === "ENABLED" ? "Disable" : "Enable"}</button>
                  ) : <span class="muted small" title="Rules from the config file change with the file (then reload)">from file</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RuleEdit({ id }) {
  const isNew = id === "new";
  const [bus, name] = isNew ? ["default", ""] : id.split("/").map(decodeURIComponent);
  const { data, error, loading } = useLoad(() => (isNew ? Promise.resolve(null) : get("/admin/rules")), [id]);
  const rule = data?.rules.find((r) => r.bus === bus && r.name === name);
  const [form, setForm] = useState(null);
  const [saveError, setSaveError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!isNew && !data) return loading ? <Loading what="the rule" /> : <ErrorBox error={error} />;
  if (!isNew && !rule) return <section><p><a href="#/rules">← Rules</a></p><Empty>There is no rule {name} on bus {bus}.</Empty></section>;
  const f = form || {
    name: rule?.name || "", bus: rule?.bus || "default", description: rule?.description || "",
    state: rule?.state || "ENABLED", pattern: pretty(rule?.eventPattern) || '{\n  "source": ["genesys.cloud"]\n}',
    targets: JSON.stringify(rule?.targets || [], null, 2),
  };
  const readOnly = rule?.origin === "config";
  const set = (k) => (e) => setForm({ ...f, [k]: e.currentTarget.value });
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setSaveError(null);
    try {
      let targets;
      try { targets = JSON.parse(f.targets || "[]"); } catch (err) {
        throw Object.assign(new Error("Targets is not valid JSON: " + err.message), { code: "" });
      }
      await aws("PutRule", { Name: f.name, EventBusName: f.bus, EventPattern: f.pattern, State: f.state,
                             ...(f.description ? { Description: f.description } : {}) });
      const old = (rule?.targets || []).map((t) => t.Id).filter((tid) => !targets.some((t) => t.Id === tid));
      if (old.length) await aws("RemoveTargets", { Rule: f.name, EventBusName: f.bus, Ids: old });
      if (targets.length) {
        const r = await aws("PutTargets", { Rule: f.name, EventBusName: f.bus, Targets: targets });
        if (r?.FailedEntryCount) {
          throw Object.assign(new Error(r.FailedEntries.map((x) => `${x.TargetId}: ${x.ErrorCode}: ${x.ErrorMessage}`).join("; ")), { code: "PutTargets" });
        }
      }
      setNotice({ kind: "ok", text: `Rule ${f.name} saved.` });
      if (isNew) navigate("#/rules/" + encodeURIComponent(f.bus) + "/" + encodeURIComponent(f.name));
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <p><a href="#/rules">← Rules</a></p>
      <header class="page-head"><h1>{isNew ? "New rule" : "Rule " + name}</h1>{rule ? <State value={rule.state} /> : null}</header>
      {readOnly ? <p class="notice warn">This rule comes from the config file{rule.line ? ` (line ${rule.line})` : ""}: change it there and reload (<code>systemctl reload cxbridge</code> or SIGHUP).</p> : null}
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <form class="edit" onSubmit={save}>
        <div class="row">
          <label>Name<input id="rule-name" value={f.name} onInput={set("name")} disabled={!isNew} required /></label>
          <label>Event bus<input value={f.bus} onInput={set("bus")} disabled={!isNew} required /></label>
          <label>State<select id="rule-state" value={f.state} onChange={set("state")} disabled={readOnly}>
            <option>ENABLED</option><option>DISABLED</option></select></label>
        </div>
        <label>Description<input id="rule-description" value={f.description} onInput={set("description")} disabled={readOnly} /></label>
        <label>Event pattern (JSON)<textarea id="rule-pattern" rows="8" class="mono" value={f.pattern} onInput={set("pattern")} disabled={readOnly} spellcheck={false} /></label>
        <label>Targets (JSON, EventBridge's Target objects)<textarea id="rule-targets" rows="10" class="mono" value={f.targets} onInput={set("targets")} disabled={readOnly} spellcheck={false} /></label>
        <ErrorBox error={saveError} title="Not saved" />
        {readOnly ? null : <button type="submit" class="primary" id="rule-save" disabled={busy}>{busy ? "Saving…" : "Save"}</button>}
      </form>
    </section>
  );
}

export function Targets() {
  const { data, error, loading, reload } = useLoad(() => get("/admin/targets"), [], 3000);
  const [notice, setNotice] = useState(null);
  const flip = async (t) => {
    try {
      await post(t.paused ? "/admin/targets/resume" : "/admin/targets/pause", { bus: t.bus, rule: t.rule, target: t.target });
      setNotice({ kind: "ok", text: `${t.rule}/${t.target} ${t.paused ? "resumed" : "paused"}.` });
      reload();
    } catch (e) {
      setNotice({ kind: "bad", text: e.message });
    }
  };
  return (
    <section>
      <header class="page-head"><h1>Targets</h1></header>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <ErrorBox error={error} />
      {!data ? (loading ? <Loading what="targets" /> : null) : data.targets.length === 0 ? (
        <Empty>No targets yet: add targets to a rule.</Empty>
      ) : (
        <table class="list">
          <thead><tr><th>Rule → target</th><th>Address</th><th>Pending</th><th>In flight</th><th>Circuit</th><th /></tr></thead>
          <tbody>
            {data.targets.map((t) => (
              <tr key={t.bus + t.rule + t.target}>
                <td>{t.rule} → <strong>{t.target}</strong>{t.bus !== "default" ? <div class="muted small">bus {t.bus}</div> : null}</td>
                <td class="mono small ellipsis" title={t.arn}>{t.arn}</td>
                <td>{t.depth}</td>
                <td>{t.inFlight}</td>
                <td><State value={t.paused ? "paused" : t.circuit} />{t.error ? <div class="small bad-text">{t.error}</div> : null}</td>
                <td><button class="small-btn" onClick={() => flip(t)}>{t.paused ? "Resume" : "Pause"}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted small">Pausing holds a target's deliveries durably; they go out when it is resumed. An open circuit probes the target by itself.</p>
    </section>
  );
}

export function Playground() {
  const [pattern, setPattern] = useState('{\n  "source": [{"prefix": ""}]\n}');
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setResult(await post("/admin/test-pattern", { pattern, limit: 200 }));
    } catch (err) {
      setResult(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <header class="page-head"><h1>Pattern playground</h1></header>
      <p class="muted">Tests an EventBridge event pattern against the most recent events cxbridge received (the same matcher the rules use).</p>
      <form class="edit" onSubmit={run}>
        <label>Event pattern (JSON)<textarea id="playground-pattern" rows="8" class="mono" value={pattern} onInput={(e) => setPattern(e.currentTarget.value)} spellcheck={false} /></label>
        <button type="submit" class="primary" id="playground-run" disabled={busy}>{busy ? "Testing…" : "Test against recent events"}</button>
      </form>
      <ErrorBox error={error} title="The pattern is not valid" />
      {result ? (
        <div>
          <p id="playground-summary"><strong>{result.matched.length}</strong> of the {result.tested} most recent events match.</p>
          {result.tested === 0 ? <Empty>No recent events to test against yet.</Empty> : null}
          {result.matched.length ? (
            <table class="list">
              <thead><tr><th>Time</th><th>Event id</th><th>Source</th><th>Detail-type</th></tr></thead>
              <tbody>{result.matched.map((e) => (
                <tr key={e.id}><td class="nowrap">{fmtTime(e.timeMs)}</td><td><a class="mono" href={"#/events/" + encodeURIComponent(e.id)}>{e.id}</a></td><td>{e.source}</td><td>{e.detailType}</td></tr>
              ))}</tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
