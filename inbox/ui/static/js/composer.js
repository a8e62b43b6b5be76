// The reply box: where the reply goes, what the guard will do with the draft (asked before sending), private notes
// with @mentions, and canned replies typed as /shortcut.
import { get, post } from "./api.js";
import { clear, fill, debounce, h, toast } from "./dom.js";
import { t } from "./i18n.js";
import { contactName, findingLabel } from "./labels.js";

const PREVIEW_DELAY_MS = 400;
const TYPING_EVERY_MS = 3000;

let cannedCache = null;
export function loadCanned(force = false) {
  if (!cannedCache || force) cannedCache = get("/api/v1/canned-replies").then((b) => b.canned_replies).catch(() => []);
  return cannedCache;
}

function kindsText(findings) {
  return [...new Set(findings.map((f) => findingLabel(f.kind)))].join(t("common.listSep"));
}

// Who a reply goes to, as the API names it: the conversation's customer on the reply's channel.
function recipientText(r) {
  const name = r.display_name || (r.handle ? `@${r.handle}` : "");
  return name && name !== r.value ? `${name} <${r.value}>` : r.value;
}

export class Composer {
  constructor(conversation, { agents, onSent, onTyping }) {
    this.conversation = conversation;
    this.agents = agents || [];
    this.onSent = onSent;
    this.onTyping = onTyping;
    this.mode = "reply";
    this.lastTyping = 0;
    this.previewSeq = 0;
    this.suggestions = [];
    this.active = 0;
    this.schedulePreview = debounce(() => this.preview(), PREVIEW_DELAY_MS);
    this.build();
    loadCanned();
  }

  build() {
    this.tabs = {
      reply: h("button.tab", { type: "button", role: "tab", dataset: { mode: "reply" }, text: t("composer.reply"),
        on: { click: () => this.setMode("reply") } }),
      note: h("button.tab", { type: "button", role: "tab", dataset: { mode: "note" }, text: t("composer.note"),
        on: { click: () => this.setMode("note") } }),
    };
    this.destination = h("div.destination");
    this.text = h("textarea.draft", { name: "draft", rows: 4, "aria-label": t("composer.draft"),
      on: { input: () => this.onInput(), keydown: (e) => this.onKey(e), blur: () => setTimeout(() => { if (document.activeElement !== this.text) this.hideSuggest(); }, 150) } });
    this.suggest = h("ul.suggest", { role: "listbox", hidden: true });
    this.guard = h("div.guard", { "aria-live": "polite" });
    this.sendButton = h("button.primary.send", { type: "submit", text: t("composer.send") });
    this.cannedButton = h("button.secondary", { type: "button", text: t("composer.canned"), on: { click: () => this.showAllCanned() } });
    // Files go up as soon as they are picked (POST …/attachments); the reply names them by their upload.
    this.files = [];
    this.fileInput = h("input.attach-input", { type: "file", multiple: true, hidden: true,
      on: { change: () => this.uploadPicked() } });
    this.attachButton = h("button.secondary.attach", { type: "button", text: t("composer.attach"),
      on: { click: () => this.fileInput.click() } });
    this.fileList = h("ul.composer-files");
    this.el = h("form.composer", { on: { submit: (e) => { e.preventDefault(); this.send(); } } },
      h("div.tabs", { role: "tablist" }, this.tabs.reply, this.tabs.note, this.destination),
      h("div.draft-wrap", {}, this.text, this.suggest),
      this.fileList, this.guard,
      h("div.composer-actions", {}, this.cannedButton, this.attachButton, this.fileInput,
        h("span.hint", { text: t("composer.hint") }), this.sendButton));
    this.setMode("reply");
  }

  setConversation(conversation) {
    // An event's copy of the conversation does not say who replies go to: keep what the last full read said.
    const recipient = conversation.recipient === undefined ? this.conversation.recipient : conversation.recipient;
    this.conversation = { ...conversation, recipient };
    this.renderDestination();
  }

  setMode(mode) {
    this.mode = mode;
    for (const [m, tab] of Object.entries(this.tabs)) {
      tab.classList.toggle("active", m === mode);
      tab.setAttribute("aria-selected", String(m === mode));
    }
    this.el.classList.toggle("note-mode", mode === "note");
    this.text.placeholder = mode === "note" ? t("composer.notePlaceholder") : t("composer.replyPlaceholder");
    this.sendButton.textContent = mode === "note" ? t("composer.addNote") : t("composer.send");
    this.renderDestination();
    clear(this.guard);
    if (mode === "reply") this.schedulePreview();
  }

  focus(mode) {
    this.setMode(mode);
    this.text.focus();
  }

  renderDestination() {
    const c = this.conversation;
    this.destination.textContent = this.mode === "note" ? t("composer.noteTo")
      : t("composer.to", { channel: t(`channel.${c.channel}`), visibility: t(`visibility.${c.visibility}Thread`), connector: c.connector })
        + (c.recipient ? ` · ${t("composer.recipient", { who: recipientText(c.recipient) })}` : "");
    this.destination.className = `destination vis-${this.mode === "note" ? "note" : c.visibility}`;
  }

  onInput() {
    const now = Date.now();
    if (now - this.lastTyping > TYPING_EVERY_MS) { this.lastTyping = now; this.onTyping(); }
    if (this.mode === "reply") this.schedulePreview();
    this.updateSuggest();
  }

  onKey(e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.send(); return; }
    if (this.suggest.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : -1) + this.suggestions.length) % this.suggestions.length;
      this.renderSuggest();
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      this.pick(this.suggestions[this.active]);
    } else if (e.key === "Escape") {
      e.stopPropagation();
      this.hideSuggest();
    }
  }

  token() {
    const before = this.text.value.slice(0, this.text.selectionStart);
    const m = before.match(/(^|\s)([/@])([^\s/@]*)$/);
    return m ? { sigil: m[2], word: m[3], start: before.length - m[3].length - 1 } : null;
  }

  async updateSuggest() {
    const tok = this.token();
    if (!tok || (tok.sigil === "@" && this.mode !== "note")) return this.hideSuggest();
    const word = tok.word.toLowerCase();
    if (tok.sigil === "/") {
      const canned = await loadCanned();
      this.suggestions = canned.filter((c) => c.shortcut.toLowerCase().startsWith(word) || c.title.toLowerCase().includes(word))
        .slice(0, 8).map((c) => ({ label: `/${c.shortcut}`, detail: c.title, insert: this.fillTemplate(c.text), tok }));
    } else {
      this.suggestions = this.agents.filter((a) => a.name.toLowerCase().startsWith(word) || a.email.startsWith(word))
        .slice(0, 8).map((a) => ({ label: `@${a.name}`, detail: a.email,
          insert: `@${/\s/.test(a.name) ? a.email : a.name} `, tok }));
    }
    this.active = 0;
    this.renderSuggest();
  }

  fillTemplate(text) {
    return text.replaceAll("{ticket}", this.conversation.ticket).replaceAll("{name}", contactName(this.conversation.contact));
  }

  renderSuggest() {
    clear(this.suggest);
    this.suggest.hidden = !this.suggestions.length;
    this.suggestions.forEach((s, i) => this.suggest.append(h("li", {
      role: "option", "aria-selected": String(i === this.active), class: i === this.active ? "active" : "",
      on: { mousedown: (e) => { e.preventDefault(); this.pick(s); } },
    }, h("b", { text: s.label }), " ", h("span.muted", { text: s.detail }))));
  }

  hideSuggest() {
    this.suggestions = [];
    this.suggest.hidden = true;
  }

  pick(s) {
    if (!s) return;
    const value = this.text.value;
    const end = this.text.selectionStart;
    const start = s.tok ? s.tok.start : end;
    this.text.value = value.slice(0, start) + s.insert + value.slice(end);
    const caret = start + s.insert.length;
    this.text.setSelectionRange(caret, caret);
    this.hideSuggest();
    this.text.focus();
    this.onInput();
  }

  async showAllCanned() {
    const canned = await loadCanned(true);
    this.suggestions = canned.map((c) => ({ label: `/${c.shortcut}`, detail: c.title, insert: this.fillTemplate(c.text), tok: null }));
    if (!canned.length) toast(t("composer.noCanned"));
    this.active = 0;
    this.renderSuggest();
    this.text.focus();
  }

  async preview() {
    const text = this.text.value;
    const seq = ++this.previewSeq;
    if (this.mode !== "reply" || !text.trim()) { clear(this.guard); return; }
    try {
      const body = await post(`/api/v1/conversations/${this.conversation.id}/preview`, { text });
      if (seq === this.previewSeq) {
        if (body.route.recipient !== undefined) this.setConversation({ ...this.conversation, recipient: body.route.recipient });
        this.renderGuard(body.route);
      }
    } catch (e) {
      if (seq === this.previewSeq) fill(this.guard, h("div.muted", { text: `${t("guard.unavailable")}: ${e.message}` }));
    }
  }

  renderGuard(route) {
    clear(this.guard);
    const findings = route.findings || [];
    const secrets = findings.filter((f) => f.tier === "secret");
    const moved = route.visibility === "private" && this.conversation.visibility === "public";
    if (route.refused) {
      // Send would be refused (422): say so before the agent tries, naming the kinds, never the value.
      const refused = (route.refused_kinds || []).map((kind) => ({ kind }));
      this.guard.append(h("div.guard-item.danger.refused", { role: "alert",
        text: t("guard.refused", { kinds: kindsText(refused.length ? refused : secrets) }) }));
    } else if (secrets.length) {
      this.guard.append(h("div.guard-item.warn", { text: t("guard.secretAllowed", { kinds: kindsText(secrets) }) }));
    }
    if (moved) {
      const others = findings.filter((f) => f.tier !== "secret");
      this.guard.append(h("div.guard-item.warn", { text: t("guard.private", {
        kinds: kindsText(others.length ? others : findings) || t("guard.sensitive"), channel: t(`channel.${this.conversation.channel}`) }) }));
      if (route.public_notice) this.guard.append(h("div.guard-item.notice", {}, h("b", { text: t("guard.noticeLabel") }), " ", route.public_notice));
    } else if (findings.length && !secrets.length) {
      this.guard.append(h("div.guard-item.info", { text: t("guard.found", { kinds: kindsText(findings) }) }));
    }
    if (route.blocked_publicly && !moved && !route.refused) this.guard.append(h("div.guard-item.danger", { text: t("guard.blocked") }));
    const reasons = route.reasons || [];
    if (!this.guard.childElementCount && !reasons.length) this.guard.append(h("div.guard-item.ok", { text: t("guard.clean") }));
    else if (reasons.length) {
      // The guard's own words, for the curious; the lines above already say what will happen.
      this.guard.append(h("details.guard-reasons", {}, h("summary", { text: t("guard.why") }),
        h("ul", {}, reasons.map((r) => h("li", { text: r })))));
    }
  }

  async uploadPicked() {
    for (const file of [...this.fileInput.files]) {
      const form = new FormData();
      form.append("file", file, file.name);
      try {
        const response = await fetch(`/api/v1/conversations/${this.conversation.id}/attachments`, {
          method: "POST", body: form, credentials: "same-origin",
          headers: { Accept: "application/json", "X-Requested-With": "inbox" } });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
        this.files.push(data.attachment);
      } catch (e) {
        toast(`${t("error.upload")}: ${file.name}: ${e.message}`, { kind: "error" });
      }
    }
    this.fileInput.value = "";
    this.renderFiles();
  }

  renderFiles() {
    fill(this.fileList, ...this.files.map((f, i) => h("li", {}, "📎 ", f.name, " ",
      h("button.link", { type: "button", text: t("composer.removeFile"),
        on: { click: () => { this.files.splice(i, 1); this.renderFiles(); } } }))));
  }

  async send() {
    const text = this.text.value;
    if (!text.trim()) return;
    this.sendButton.disabled = true;
    try {
      const body = await post(`/api/v1/conversations/${this.conversation.id}/messages`,
        { text, private_note: this.mode === "note", attachments: this.files.map((f) => ({ blob: f.blob, name: f.name })) });
      this.text.value = "";
      this.files = [];
      this.renderFiles();
      clear(this.guard);
      this.schedulePreview.cancel();
      const route = body.route || {};
      if (this.mode === "reply" && route.visibility === "private" && this.conversation.visibility === "public") {
        toast(t("composer.sentPrivately"), { kind: "warn" });
      }
      this.onSent(body.message);
    } catch (e) {
      if (e.status === 422 && e.kinds.length) {
        // Refused by the guard: the draft stays so the agent can edit it, and the reason stays on screen.
        this.schedulePreview.cancel();
        clear(this.guard);
        this.guard.append(h("div.guard-item.danger.refused", { role: "alert",
          text: t("guard.refused", { kinds: kindsText(e.kinds.map((kind) => ({ kind }))) }) }));
        this.text.focus();
      }
      toast(`${t("error.send")}: ${e.message}`, { kind: "error" });
    } finally {
      this.sendButton.disabled = false;
    }
  }
}
