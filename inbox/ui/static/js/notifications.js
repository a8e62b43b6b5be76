// Sound and desktop notifications for a new conversation, a conversation assigned to me and an @mention. Each agent
// chooses which (kept in localStorage per agent id: a choice of this browser, like the interface language). The
// browser's permission for desktop notifications is only asked when the agent ticks the box (a user gesture).
import { session } from "./api.js";
import { h } from "./dom.js";
import * as events from "./events.js";
import { t } from "./i18n.js";

const DEFAULTS = { sound: true, desktop: false, newConversation: true, assigned: true, mention: true };
const EVENTS = ["newConversation", "assigned", "mention"];
const assignees = new Map(); // conversation id -> last assignee seen, so only a change *to me* notifies

function key() { return `inbox.notify.${session.agent ? session.agent.id : "anon"}`; }

export function settings() {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(key()) || "{}") };
  } catch {
    return { ...DEFAULTS };
  }
}

function save(next) { localStorage.setItem(key(), JSON.stringify(next)); }

let audio = null;
function beep() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = audio || new Context();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.08;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.15);
  } catch { /* a browser that refuses audio before a gesture: the desktop notice still shows */ }
}

function desktop(title, body, conversationId) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(title, { body, tag: `inbox-${conversationId}` });
  note.onclick = () => { window.focus(); location.hash = `#/inbox/${conversationId}`; note.close(); };
}

export function notify(kind, title, body, conversationId) {
  const s = settings();
  if (!s[kind]) return;
  if (s.sound) beep();
  if (s.desktop) desktop(title, body, conversationId);
}

function isOpen(conversationId) { return location.hash.startsWith(`#/inbox/${conversationId}`); }

function watchAssignee(c) {
  if (!c || !session.agent) return;
  const before = assignees.get(c.id);
  assignees.set(c.id, c.assignee_id ?? null);
  // Replying to an unassigned conversation assigns it to me: no notice for the conversation I have open.
  if (c.assignee_id === session.agent.id && before !== session.agent.id && !isOpen(c.id)) {
    notify("assigned", t("notify.assignedTitle", { ticket: c.ticket }), c.preview || "", c.id);
  }
}

events.on("conversation.created", (f) => {
  const c = f.conversation;
  if (!c) return;
  notify("newConversation", t("notify.newTitle", { ticket: c.ticket }), c.preview || "", c.id);
  watchAssignee(c);
});
events.on("conversation.updated", (f) => watchAssignee(f.conversation));
events.on("mention", (f) => notify("mention", t("notify.mentionTitle", { by: f.by, ticket: f.ticket }), "", f.conversation_id));

/** The settings dialog, opened from the top bar's bell. */
export function openSettings() {
  let dialog = document.getElementById("notify-dialog");
  if (dialog) dialog.remove();
  const s = settings();
  const supported = "Notification" in window;
  const status = h("p.muted#notify-status", { role: "status" });
  const showPermission = () => {
    status.textContent = !supported ? t("notify.unsupported")
      : Notification.permission === "denied" ? t("notify.denied") : "";
  };
  const box = (name, label, onChange) => h("label.notify-option", {},
    h("input", { type: "checkbox", name, checked: !!s[name], on: { change: (e) => onChange(e.target) } }), " ", label);
  const set = (name) => (input) => { s[name] = input.checked; save(s); };
  const desktopBox = box("desktop", t("notify.desktop"), async (input) => {
    if (input.checked && supported && Notification.permission !== "granted") {
      const answer = await Notification.requestPermission(); // asked here: the agent just clicked
      if (answer !== "granted") input.checked = false;
    }
    s.desktop = input.checked && supported;
    save(s);
    showPermission();
  });
  dialog = h("dialog.help#notify-dialog", {},
    h("h2", { text: t("notify.title") }),
    box("sound", t("notify.sound"), set("sound")), h("br"), desktopBox,
    h("h3", { text: t("notify.events") }),
    ...EVENTS.map((name) => h("div", {}, box(name, t(`notify.${name}`), set(name)))),
    status,
    h("form", { method: "dialog" }, h("button.secondary", { type: "button", text: t("notify.test"),
      on: { click: () => notify(EVENTS.find((name) => s[name]) || "mention", t("notify.title"), t("notify.test"), 0) } }), " ",
      h("button.primary", { text: t("common.close") })));
  document.body.append(dialog);
  showPermission();
  dialog.showModal();
}
