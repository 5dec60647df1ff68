// The console's one way to reach the server: same-origin fetches with the session cookie. State
// changing requests carry the session's CSRF token (X-CSRF-Token) and a JSON body
// (application/json), which a cross-site form cannot send; the token is never in a URL.
let csrf = "";
let onLoggedOut = () => {};

export function setCsrf(token) { csrf = token || ""; }
export function onSessionLost(fn) { onLoggedOut = fn; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRF-Token"] = csrf;
    init.body = JSON.stringify(body ?? {});
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "Unreachable", "The cxbridge server cannot be reached: " + e.message);
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) {
    if (resp.status === 401 && !path.startsWith("/console/api/")) onLoggedOut();
    const code = data?.code || data?.__type || data?.error || "";
    const message = data?.message || data?.Message || text || resp.statusText;
    throw new ApiError(resp.status, code, message);
  }
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
// An EventBridge API operation, with the API's own validation and error texts.
export const aws = (operation, body) => post("/admin/api/" + operation, body);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}
