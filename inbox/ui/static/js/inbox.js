// The inbox page: views with counts, filters, search, the conversation list, and the open conversation.
import { get, query } from "./api.js";
import { bidiNodes, isolated } from "./bidi.js";
import { clear, debounce, formatTime, h, toast } from "./dom.js";
import * as events from "./events.js";
import { t, tn } from "./i18n.js";
import { bindKeys } from "./keys.js";
import { ConversationPane } from "./thread.js";
import { contactName, ISSUE_TYPES } from "./labels.js";
import { SLA_STATES, slaBadge } from "./sla.js";

const VIEWS = ["mine", "unassigned", "team", "all"];
const FILTER_KEY = "inbox.filters";

function loadFilters() {
  const defaults = { view: "all", status: "open", type: "", tag: "", channel: "", visibility: "", sla: "", sort: "", q: "" };
  try {
    return { ...defaults, ...JSON.parse(localStorage.getItem(FILTER_KEY) || "{}"), q: "" };
  } catch {
    return defaults;
  }
}

function select(name, options, value, onChange) {
  return h("select", { name, "aria-label": t(`filter.${name}`), on: { change: (e) => onChange(e.target.value) } },
    options.map(([v, label]) => h("option", { value: v, selected: v === value, text: label })));
}

export function mountInbox(root, hash) {
  const filters = loadFilters();
  let conversations = [];
  let selectedId = Number((hash.match(/^#\/inbox\/(\d+)/) || [])[1]) || null;
  const counts = {};
  const PAGE = 100;
  let limit = PAGE;
  const moreButton = h("button.link.more", { type: "button", hidden: true, text: t("inbox.more"),
    on: { click: () => { limit += PAGE; refreshList(); } } });

  const viewList = h("ul.views");
  const listEl = h("ol.conv-list", { "aria-label": t("inbox.list") });
  const totalEl = h("span.total");
  const search = h("input.search", {
    type: "search", placeholder: t("inbox.search"), "aria-label": t("inbox.search"), value: filters.q,
    on: { input: debounce((e) => { filters.q = e.target.value.trim(); limit = PAGE; refreshList(); }, 300) },
  });
  const paneRoot = h("section.pane");
  const pane = new ConversationPane(paneRoot, {
    onChanged: () => refreshSoon(),
    onClosed: () => { selectedId = null; highlight(); },
  });

  const setFilter = (key) => (value) => {
    filters[key] = value;
    limit = PAGE;
    const { q, ...saved } = filters;
    localStorage.setItem(FILTER_KEY, JSON.stringify(saved));
    refreshAll();
  };

  const filterBox = h("div.filters",
    h("label", {}, h("span", { text: t("filter.status") }), select("status", [
      ["open", t("status.open")], ["pending", t("status.pending")], ["snoozed", t("status.snoozed")],
      ["resolved", t("status.resolved")], ["", t("filter.any")]], filters.status, setFilter("status"))),
    h("label", {}, h("span", { text: t("filter.type") }), select("type",
      [["", t("filter.any")], ...ISSUE_TYPES.map((x) => [x, t(`type.${x}`)])], filters.type, setFilter("type"))),
    h("label", {}, h("span", { text: t("filter.channel") }), select("channel", [["", t("filter.any")],
      ...["email", "telegram", "twitter", "webchat"].map((c) => [c, t(`channel.${c}`)])], filters.channel,
    setFilter("channel"))),
    h("label", {}, h("span", { text: t("filter.visibility") }), select("visibility", [["", t("filter.any")],
      ["public", t("visibility.public")], ["private", t("visibility.private")]], filters.visibility,
    setFilter("visibility"))),
    h("label", {}, h("span", { text: t("filter.sla") }), select("sla", [["", t("filter.any")],
      ...SLA_STATES.map((s) => [s, t(`sla.state.${s}`)])], filters.sla, setFilter("sla"))),
    h("label.check", {}, h("input", { type: "checkbox", name: "sort-sla", checked: filters.sort === "sla_due",
      on: { change: (e) => setFilter("sort")(e.target.checked ? "sla_due" : "") } }), h("span", { text: t("sla.sortDue") })),
    h("label", {}, h("span", { text: t("filter.tag") }), h("input", {
      name: "tag", value: filters.tag, placeholder: t("filter.tagHint"),
      on: { change: (e) => setFilter("tag")(e.target.value.trim()) },
    })),
  );

  root.append(h("div.inbox",
    h("aside.sidebar", {}, viewList, filterBox),
    h("section.list-col", {}, h("div.list-head", {}, search, totalEl), h("div.list-scroll", {}, listEl, moreButton)),
    paneRoot,
  ));

  function renderViews() {
    clear(viewList);
    for (const v of VIEWS) {
      viewList.append(h("li", {}, h("button.view-button", {
        type: "button", dataset: { view: v }, "aria-pressed": String(filters.view === v),
        class: filters.view === v ? "view-button active" : "view-button",
        on: { click: () => setFilter("view")(v) },
      }, h("span", { text: t(`view.${v}`) }), h("span.count", { text: counts[v] ?? "" }))));
    }
  }

  function row(c) {
    const last = c.last_message_at || c.updated_at;
    return h("li.conv-row", {
      dataset: { id: c.id }, tabindex: "0", "aria-selected": String(c.id === selectedId),
      on: { click: () => open(c.id), keydown: (e) => { if (e.key === "Enter") open(c.id); } },
    },
    h("div.row-top", {},
      isolated(".contact", contactName(c.contact)),
      h("time", { datetime: last, text: formatTime(last) })),
    h("div.row-mid", {},
      h(`span.badge.ch-${c.channel}`, { text: t(`channel.${c.channel}`) }),
      h(`span.badge.vis-${c.visibility}`, { text: t(`visibility.${c.visibility}`) }),
      h("span.ticket", { text: c.ticket }),
      c.priority && c.priority !== "normal" ? h(`span.badge.prio-${c.priority}`, { text: t(`priority.${c.priority}`) }) : null,
      c.type ? h("span.badge.type", { text: t(`type.${c.type}`) }) : null,
      slaBadge(c),
      c.assignee ? h("span.assignee", { title: c.assignee.email, text: c.assignee.name }) : null),
    h("div.preview", { dir: "auto" }, bidiNodes(c.preview || c.subject || "", { marks: false })),
    c.tags.length ? h("div.row-tags", {}, c.tags.map((tag) => isolated(".tag", tag))) : null);
  }

  function highlight() {
    for (const el of listEl.children) {
      const on = Number(el.dataset.id) === selectedId;
      el.classList.toggle("selected", on);
      el.setAttribute("aria-selected", String(on));
    }
  }

  function renderList() {
    clear(listEl);
    if (!conversations.length) listEl.append(h("li.empty", { text: t("inbox.empty") }));
    for (const c of conversations) listEl.append(row(c));
    highlight();
  }

  let listSeq = 0;
  async function refreshList() {
    const seq = ++listSeq;
    const { view, status, type, tag, channel, visibility, sla, sort, q } = filters;
    try {
      const body = await get(`/api/v1/conversations${query({ view, status, type, tag, channel, visibility, sla, sort, q, limit })}`);
      if (seq !== listSeq) return; // a newer request is on its way
      conversations = body.conversations;
      totalEl.textContent = tn("inbox.total", body.total);
      moreButton.hidden = body.total <= conversations.length;
      renderList();
    } catch (e) {
      toast(`${t("error.load")}: ${e.message}`, { kind: "error" });
    }
  }

  async function refreshCounts() {
    try {
      Object.assign(counts, (await get("/api/v1/conversations/counts")).counts);
      renderViews();
    } catch { /* counts are a nicety; the list shows errors */ }
  }

  function refreshAll() { renderViews(); refreshList(); refreshCounts(); }
  const refreshSoon = debounce(() => { refreshList(); refreshCounts(); }, 150); // one refresh per burst of events

  function open(id) {
    selectedId = id;
    history.replaceState(null, "", `#/inbox/${id}`);
    highlight();
    pane.open(id);
  }

  function move(step) {
    if (!conversations.length) return;
    const index = conversations.findIndex((c) => c.id === selectedId);
    const next = conversations[Math.max(0, Math.min(conversations.length - 1, index < 0 ? 0 : index + step))];
    open(next.id);
    listEl.querySelector(`[data-id="${next.id}"]`)?.scrollIntoView({ block: "nearest" });
  }

  const offs = [
    events.on("conversation.created", refreshSoon),
    events.on("conversation.updated", (f) => { refreshSoon(); pane.onConversationEvent(f); }),
    events.on("message.created", (f) => { refreshSoon(); pane.onMessageEvent(f); }),
    events.on("message.updated", (f) => pane.onMessageEvent(f)),
    events.on("presence", (f) => pane.onPresence(f)),
    events.on("sla.at_risk", (f) => { refreshSoon(); toast(t("sla.notify.at_risk", { ticket: f.ticket, clock: t(`sla.clock.${f.clock}`) })); }),
    events.on("sla.breached", (f) => { refreshSoon(); toast(t("sla.notify.breached", { ticket: f.ticket, clock: t(`sla.clock.${f.clock}`) }), { kind: "error" }); }),
    events.on("resync", () => { refreshAll(); pane.reload(); }),
    bindKeys({
      next: () => move(1), prev: () => move(-1), search: () => search.focus(),
      reply: () => pane.focusComposer("reply"), note: () => pane.focusComposer("note"),
      resolve: () => pane.resolve(), assignMe: () => pane.assignToMe(),
      help: () => document.dispatchEvent(new Event("inbox:help")),
    }),
  ];

  // Closing the tab: tell the others we left, or they would see us "viewing" until they reload.
  const leave = () => pane.close();
  window.addEventListener("pagehide", leave);
  refreshAll();
  if (selectedId) pane.open(selectedId);
  return () => { offs.forEach((off) => off()); window.removeEventListener("pagehide", leave); pane.close(); };
}
