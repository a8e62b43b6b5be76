// The live events websocket: reconnects with backoff and fans frames out to listeners by type.
import { session } from "./api.js";

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
  if (!session.token) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?token=${encodeURIComponent(session.token)}`);
  socket.addEventListener("open", () => { retry = 0; emit("state", "open"); });
  socket.addEventListener("message", (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    emit(frame.type, frame);
    emit("*", frame);
  });
  socket.addEventListener("close", () => {
    emit("state", "closed");
    socket = null;
    if (stopped) return;
    const wait = Math.min(30000, 500 * 2 ** retry++);
    setTimeout(() => { if (!stopped) { connect(); emit("resync", { type: "resync" }); } }, wait);
  });
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
