// The live events websocket: reconnects with backoff and fans frames out to listeners by type.
// The session cookie authenticates it (nothing in the URL). Close code 4401 means the session ended (signed out in
// another tab, expired, deactivated): listeners of "ended" hear it and no reconnect is tried.
import { get } from "./api.js";

const SESSION_ENDED = 4401;

const listeners = new Map(); // type -> Set<fn>; "*" gets every frame; "state" gets "open"/"closed"
let socket = null;
let retry = 0;
let stopped = true;

export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

function emit(type, frame) {
  for (const fn of listeners.get(type) || []) {
    try { fn(frame); } catch (e) { console.error(e); }
  }
}

export function connect() {
  stopped = false;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/v1/events`);
  socket.addEventListener("open", () => { retry = 0; emit("state", "open"); });
  socket.addEventListener("message", (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    emit(frame.type, frame);
    emit("*", frame);
  });
  socket.addEventListener("close", (event) => {
    emit("state", "closed");
    socket = null;
    if (stopped) return;
    if (event.code === SESSION_ENDED) { stopped = true; emit("ended", { type: "ended" }); return; }
    const wait = Math.min(30000, 500 * 2 ** retry++);
    setTimeout(reconnect, wait);
  });
}

async function reconnect() {
  if (stopped) return;
  // A refused upgrade looks like a network error from here: ask whether the session still holds first (a 401 goes
  // to the API client's unauthorized handler, which shows the sign-in form).
  try { await get("/api/v1/me"); } catch (e) { if (e.status === 401) return; }
  if (!stopped) { connect(); emit("resync", { type: "resync" }); }
}

export function disconnect() {
  stopped = true;
  if (socket) socket.close();
}

/** Tell other agents what we are doing on a conversation: "viewing" | "typing" | "left". */
export function announce(state, conversationId) {
  if (socket && socket.readyState === WebSocket.OPEN && conversationId) {
    socket.send(JSON.stringify({ type: state, conversation_id: conversationId }));
  }
}

export function isOpen() {
  return !!socket && socket.readyState === WebSocket.OPEN;
}
