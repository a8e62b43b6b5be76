// The open conversation: header, the whole thread, details and actions, presence, and the reply box.
import { get, patch, post, session } from "./api.js";
import { bidiNodes, fileName, hasBidiControls, isolated } from "./bidi.js";
import { clear, fill, debounce, formatTime, h, toast } from "./dom.js";
import * as events from "./events.js";
import { t } from "./i18n.js";
import { Composer } from "./composer.js";
import { renderDetails } from "./details.js";
import { contactName, findingLabel } from "./labels.js";

const TYPING_SHOWN_MS = 6000;
// The formatted copy of an email is shown in a sandboxed frame: no allow-scripts, no allow-same-origin, and its
// own CSP that also blocks remote images (tracking pixels). Its text is never parsed into our page.
const FRAME_CSP = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">";

let agentsCache = null;
export async function loadAgents() {
  if (!agentsCache) agentsCache = get("/api/v1/agents").then((b) => b.agents).catch(() => []);
  return agentsCache;
}

export class ConversationPane {
  constructor(root, { onChanged, onClosed }) {
    this.root = root;
    this.onChanged = onChanged;
    this.onClosed = onClosed;
    this.id = null;
    this.conversation = null;
    this.messages = new Map();
    this.revealed = false;
    this.presence = new Map(); // agent_id -> {name, state, at}
    this.showEmpty();
    this.reloadSoon = debounce(() => this.reloadConversation(), 200);
  }

  showEmpty() {
    fill(this.root, h("div.pane-empty", {}, h("p", { text: t("pane.none") }), h("p.hint", { text: t("pane.hint") })));
  }

  async open(id) {
    if (this.id && this.id !== id) events.announce("left", this.id);
    this.id = id;
    this.revealed = false;
    this.presence.clear();
    this.messages.clear();
    try {
      const [conv, msgs, agents] = await Promise.all([
        get(`/api/v1/conversations/${id}`), get(`/api/v1/conversations/${id}/messages`), loadAgents()]);
      if (this.id !== id) return;
      this.agents = agents;
      this.conversation = conv.conversation;
      for (const m of msgs.messages) this.messages.set(m.id, m);
      this.render();
      events.announce("viewing", id);
    } catch (e) {
      fill(this.root, h("p.error", { text: `${t("error.load")}: ${e.message}` }));
    }
  }

  close() {
    if (this.id) events.announce("left", this.id);
    this.id = null;
  }

  reload() { if (this.id) this.open(this.id); }

  async reloadConversation() {
    if (!this.id) return;
    try {
      this.conversation = (await get(`/api/v1/conversations/${this.id}`)).conversation;
      this.renderHeader();
      this.renderDetails();
      this.composer?.setConversation(this.conversation);
    } catch { /* it may have moved to another team; the list refresh shows that */ }
  }

  async reveal() {
    const body = await get(`/api/v1/conversations/${this.id}/messages?reveal=1`);
    this.revealed = true;
    this.messages.clear();
    for (const m of body.messages) this.messages.set(m.id, m);
    this.renderThread();
    this.renderDetails();
    toast(t("reveal.audited"));
  }

  render() {
    this.head = h("header.conv-head");
    this.presenceEl = h("div.presence", { "aria-live": "polite" });
    this.thread = h("ol.thread", { "aria-label": t("pane.thread") });
    this.details = h("aside.details");
    this.composer = new Composer(this.conversation, {
      agents: this.agents,
      onSent: (m) => { this.onMessageEvent({ conversation_id: this.id, message: m }); this.onChanged(); },
      onTyping: () => events.announce("typing", this.id),
    });
    fill(this.root, h("div.conv", {},
      this.head, this.presenceEl,
      h("div.conv-body", {}, h("div.thread-col", {}, this.thread, this.composer.el), this.details)));
    this.renderHeader();
    this.renderThread();
    this.renderDetails();
    this.renderPresence();
  }

  renderHeader() {
    const c = this.conversation;
    fill(this.head, 
      h("h2", {}, h("span.ticket", { text: c.ticket }), " ", isolated(".contact", contactName(c.contact))),
      h(`span.badge.ch-${c.channel}`, { text: t(`channel.${c.channel}`) }),
      h(`span.badge.vis-${c.visibility}`, { text: t(`visibility.${c.visibility}`) }),
      h(`span.badge.status-${c.status}`, { text: t(`status.${c.status}`) }),
      c.subject ? isolated(".subject", c.subject) : null,
      h("button.ghost.close", { type: "button", title: t("common.close"), text: "×",
        on: { click: () => { this.close(); this.showEmpty(); this.onClosed(); } } }),
    );
  }

  renderDetails() {
    renderDetails(this.details, this.conversation, {
      agents: this.agents, revealed: this.revealed,
      onReveal: () => this.reveal().catch((e) => toast(e.message, { kind: "error" })),
      change: (body) => this.change(body),
    });
  }

  async change(body) {
    try {
      this.conversation = (await patch(`/api/v1/conversations/${this.id}`, body)).conversation;
      this.renderHeader();
      this.renderDetails();
      this.onChanged();
    } catch (e) {
      toast(`${t("error.save")}: ${e.message}`, { kind: "error" });
    }
  }

  resolve() { if (this.id) this.change({ status: "resolved" }); }
  assignToMe() { if (this.id) this.change({ assignee_id: session.agent.id }); }
  focusComposer(mode) { this.composer?.focus(mode); }

  renderThread() {
    if (!this.thread) return; // an event before the first render: open() renders everything
    const atBottom = this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 40;
    clear(this.thread);
    const ordered = [...this.messages.values()].sort((a, b) =>
      (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id));
    for (const m of ordered) this.thread.append(this.messageEl(m));
    if (atBottom || !this.thread.dataset.scrolled) {
      this.thread.scrollTop = this.thread.scrollHeight;
      this.thread.dataset.scrolled = "1";
    }
  }

  author(m) {
    if (m.direction === "inbound") return contactName(this.conversation.contact);
    const agent = (this.agents || []).find((a) => a.id === m.agent_id);
    if (agent) return agent.name;
    return m.reason ? t("msg.automatic") : t("msg.agent");
  }

  messageEl(m) {
    const meta = h("div.msg-meta", {},
      isolated(".author", this.author(m)),
      m.direction === "note" ? h("span.badge.note", { text: t("msg.note") })
        : h(`span.badge.vis-${m.visibility}`, { text: t(`visibility.${m.visibility}`) }),
      m.direction !== "note" ? h("span.badge.connector", { title: t("msg.connector"), text: m.connector }) : null,
      h("time", { datetime: m.created_at, title: m.created_at, text: formatTime(m.created_at) }),
      m.direction === "outbound" ? h(`span.delivery.${m.status}`, { text: t(`delivery.${m.status}`), title: m.error || "" }) : null,
      m.edited_at ? h("span.edited", { text: t("msg.edited") }) : null,
      m.reason ? h("span.reason", { text: m.reason }) : null);
    const body = h("div.msg-body");
    // Message text keeps the bidi marks right-to-left writing uses; overrides and embeddings become visible.
    const showText = () => fill(body, h("div.text", { dir: "auto" }, bidiNodes(m.text, { marks: false })));
    const showHtml = () => fill(body, h("iframe.mail-frame", {
      sandbox: "", referrerpolicy: "no-referrer", title: t("msg.formatted"), srcdoc: FRAME_CSP + m.html }));
    let formatted = !!m.html;
    const toggle = m.html ? h("button.link.toggle-format", { type: "button", text: t("msg.showText"),
      on: { click: () => {
        formatted = !formatted;
        (formatted ? showHtml : showText)();
        toggle.textContent = formatted ? t("msg.showText") : t("msg.showFormatted");
      } } }) : null;
    (formatted ? showHtml : showText)();
    const findings = (m.findings || []).length ? h("div.findings", {},
      [...new Set(m.findings.map((f) => f.kind))].map((k) => h(`span.finding`, { text: findingLabel(k) }))) : null;
    const files = (m.attachments || []).length ? h("ul.attachments", {}, m.attachments.map(attachmentItem)) : null;
    const disguised = hasBidiControls(m.text, { marks: false }) || hasBidiControls(m.subject, { marks: false });
    return h(`li.msg.dir-${m.direction}`, { dataset: { id: m.id } },
      meta, m.subject ? isolated("div.msg-subject", m.subject) : null, body,
      disguised ? h("div.bidi-warning", { role: "note", text: t("bidi.flagged") }) : null, toggle, findings, files,
      this.failureEl(m));
  }

  failureEl(m) {
    if (m.direction !== "outbound" || m.status !== "failed") return null;
    const flags = m.flags || [];
    // A restart cut the send short: the customer may have it. The agent checks the channel and decides.
    const text = flags.includes("interrupted") ? t("delivery.interrupted") : `${t("delivery.failed")}: ${m.error || ""}`;
    // A reply stored masked can't be sent again from the database: the server refuses, so no button.
    const resend = flags.includes("masked_secret") ? null : h("button.secondary.resend", { type: "button",
      text: t("msg.resend"), on: { click: (e) => this.resend(m, e.currentTarget) } });
    return h(`div.error${flags.includes("interrupted") ? ".interrupted" : ""}`, { role: "status" },
      h("span", { text }), resend ? " " : null, resend);
  }

  async resend(m, button) {
    button.disabled = true;
    try {
      const body = await post(`/api/v1/conversations/${this.id}/messages/${m.id}/resend`, {});
      toast(t("msg.resendQueued"));
      // Events never turn failed back into queued (see onMessageEvent); the resend does, unless "sent" came first.
      if (this.messages.get(m.id)?.status === "failed") {
        this.messages.set(m.id, body.message);
        this.thread?.querySelector(`li.msg[data-id="${m.id}"]`)?.replaceWith(this.messageEl(body.message));
      }
    } catch (e) {
      button.disabled = false;
      toast(`${t("error.send")}: ${e.message}`, { kind: "error" });
    }
  }

  onMessageEvent(frame) {
    if (frame.conversation_id !== this.id || !frame.message) return;
    const old = this.messages.get(frame.message.id);
    // The send response and the websocket race: never let a "queued" copy overwrite "sent"/"failed".
    if (old && old.status !== "queued" && frame.message.status === "queued") return;
    const message = this.revealed && old ? { ...frame.message, text: old.text } : frame.message; // keep revealed text
    this.messages.set(message.id, message);
    if (!this.thread) return;
    // Touch only this message's element: re-rendering the thread would reload every email frame in it.
    const existing = this.thread.querySelector(`li.msg[data-id="${message.id}"]`);
    const last = this.thread.lastElementChild;
    if (existing) {
      existing.replaceWith(this.messageEl(message));
    } else if (!last || (this.messages.get(Number(last.dataset.id))?.created_at ?? "") <= message.created_at) {
      const atBottom = this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 40;
      this.thread.append(this.messageEl(message));
      if (atBottom) this.thread.scrollTop = this.thread.scrollHeight;
    } else {
      this.renderThread();
    }
  }

  onConversationEvent(frame) {
    if (frame.conversation && frame.conversation.id === this.id) this.reloadSoon();
  }

  onPresence(frame) {
    if (frame.conversation_id !== this.id || frame.agent_id === session.agent.id) return;
    const known = this.presence.has(frame.agent_id);
    if (frame.state === "left") this.presence.delete(frame.agent_id);
    else this.presence.set(frame.agent_id, { name: frame.agent, state: frame.state, at: Date.now() });
    // Someone new arrived: tell them we are here too (once, so two viewers don't echo forever).
    if (frame.state === "viewing" && !known) events.announce("viewing", this.id);
    this.renderPresence();
    if (frame.state === "typing") setTimeout(() => this.renderPresence(), TYPING_SHOWN_MS + 50);
  }

  renderPresence() {
    if (!this.presenceEl) return;
    const now = Date.now();
    const parts = [...this.presence.values()].map((p) =>
      p.state === "typing" && now - p.at < TYPING_SHOWN_MS ? t("presence.typing", { name: p.name })
        : t("presence.viewing", { name: p.name }));
    this.presenceEl.textContent = parts.join(" · "); // stays in the grid when empty (:empty has no padding)
  }
}


// One attachment: a thumbnail for images (served by the API as a re-encoded picture, session cookie), a download
// link for the rest, and why the guard changed or withheld it. Names are text nodes, never markup.
function attachmentItem(a) {
  const name = fileName(a.name || a.filename || "file");
  const label = a.url ? h("a.attachment-link", { href: `${a.url}?download=1`, rel: "noopener", download: "" }, name)
    : h("span.attachment-name", {}, name);
  const thumb = a.thumbnail_url ? h("a.attachment-thumb", { href: a.url, target: "_blank", rel: "noopener" },
    h("img", { src: a.thumbnail_url, alt: String(a.name || "image"), loading: "lazy" })) : null;
  const size = a.size ? h("span.attachment-size", { text: ` (${Math.max(1, Math.round(a.size / 1024))} KB)` }) : null;
  const note = a.note ? h("div.attachment-note", { role: "note", text: a.note }) : null;
  const kinds = (a.findings || []).length ? h("span.finding", { text: a.findings.map(findingLabel).join(", ") }) : null;
  return h("li", {}, thumb, "📎 ", label, size, kinds, note);
}
