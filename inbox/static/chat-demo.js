// A customer's side of the in-app chat: visitor token in localStorage, history on connect, acks by client_id,
// unacked messages resent after a reconnect (the server stores a resent client_id once).
(() => {
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  const params = new URLSearchParams(location.search);
  const link = params.get("link");
  const pending = new Map(); // client_id -> text
  let ws = null;
  let retry = 500;

  // Explicit bidi controls (U+202A-E, U+2066-9) would show the text in another order than it was sent (an
  // override turns "fdp.exe" into "exe.pdf"): they are shown as marks, and each message is isolated (dir=auto).
  const BIDI = { "\u202A": "LRE", "\u202B": "RLE", "\u202C": "PDF", "\u202D": "LRO", "\u202E": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI" };

  function showText(el, text) {
    el.replaceChildren();
    let run = "";
    for (const ch of String(text)) {
      if (!BIDI[ch]) { run += ch; continue; }
      if (run) el.append(run);
      run = "";
      const mark = document.createElement("span");
      mark.className = "bidi-ctl";
      mark.dir = "ltr";
      mark.title = `U+${ch.codePointAt(0).toString(16).toUpperCase()}`;
      mark.textContent = `⟨${BIDI[ch]}⟩`;
      el.append(mark);
    }
    if (run) el.append(run);
  }

  function item(text, who, id) {
    const li = document.createElement("li");
    li.className = who;
    li.dir = "auto";
    showText(li, text);
    if (id) li.dataset.id = id;
    const rating = who === "agent" && /\/rate\?token=([A-Za-z0-9_-]+)/.exec(String(text));
    if (rating) li.append(ratingButtons(rating[1]));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  // A rating request (sent when the ticket is resolved) carries a single-use link: the demo shows it as five
  // buttons that post the score, as a wallet app's chat would.
  function ratingButtons(token) {
    const box = document.createElement("div");
    box.className = "rating";
    for (let score = 1; score <= 5; score++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = String(score);
      b.dataset.score = String(score);
      b.onclick = async () => {
        const r = await fetch("/rate", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token, score }) });
        box.textContent = r.ok ? "Thank you · 感谢您的评价" : "This rating link was already used · 评价链接已使用";
      };
      box.append(b);
    }
    return box;
  }

  function connect() {
    const q = new URLSearchParams();
    const token = localStorage.getItem("inbox.visitor_token");
    if (token) q.set("visitor_token", token);
    if (link) q.set("link", link);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/chat/v1/ws?${q}`);
    ws.onopen = () => { status.textContent = "online · 在线"; retry = 500; };
    ws.onclose = () => {
      status.textContent = "reconnecting… · 重新连接中";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
    ws.onmessage = (ev) => {
      const frame = JSON.parse(ev.data);
      if (frame.type === "visitor") localStorage.setItem("inbox.visitor_token", frame.visitor_token);
      else if (frame.type === "history") {
        log.replaceChildren();
        for (const m of frame.messages) item(m.text, m.from, m.id);
        for (const [cid, text] of pending) {
          item(text, "customer pending").dataset.clientId = cid;
          ws.send(JSON.stringify({ type: "message", text, client_id: cid }));
        }
      } else if (frame.type === "ack") {
        pending.delete(frame.client_id);
        const li = log.querySelector(`[data-client-id="${frame.client_id}"]`);
        if (li) { li.classList.remove("pending"); li.dataset.id = frame.id; }
      } else if (frame.type === "message") {
        if (!log.querySelector(`[data-id="${frame.id}"]`)) item(frame.text, frame.from, frame.id);
      } else if (frame.type === "error") item(frame.error, "error");
    };
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const cid = crypto.randomUUID();
    pending.set(cid, text);
    item(text, "customer pending").dataset.clientId = cid;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "message", text, client_id: cid }));
    input.value = "";
  });
  connect();
})();
