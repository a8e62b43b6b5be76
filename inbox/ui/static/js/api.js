// JSON API client. The session is an HttpOnly cookie set at sign-in (script never sees the token; every tab of the
// browser shares it). Each request carries the X-Requested-With header the server demands of cookie-authenticated
// changes: another site's page cannot send it (CSRF).

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.body = body; // e.g. a 409's details (what still uses a team)
    this.problems = (body && (body.problems || body.errors)) || [];
    this.retryAfter = (body && body.retry_after) || null; // seconds, on 429
    this.kinds = (body && Array.isArray(body.kinds) && body.kinds) || []; // a reply the guard refused: what it held
  }
}

export const session = {
  agent: null, // {id, email, name, role, team_id}
  get isAdmin() { return this.agent && this.agent.role === "admin"; },
};

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function api(method, path, body = undefined) {
  const headers = { Accept: "application/json", "X-Requested-With": "inbox" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin",
  });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (response.status === 401 && !path.endsWith("/auth/login")) onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});
export const put = (path, body) => api("PUT", path, body ?? {});
export const patch = (path, body) => api("PATCH", path, body ?? {});
export const del = (path) => api("DELETE", path);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
