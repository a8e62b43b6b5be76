// The conversation's side panel: contact and identities, type with the classifier's reasons, and the changes an
// agent makes (status, priority, assignee, team, tags, snooze), plus the admin's audited reveal.
import { get, session } from "./api.js";
import { isolated } from "./bidi.js";
import { clear, formatTime, h } from "./dom.js";
import { t } from "./i18n.js";
import { identityFull, ISSUE_TYPES, PRIORITIES, STATUSES } from "./labels.js";
import { slaBlock } from "./sla.js";

let teamsCache = null;
function loadTeams() {
  if (!teamsCache) teamsCache = get("/api/v1/teams").then((b) => b.teams).catch(() => []);
  return teamsCache;
}

function field(label, ...control) {
  return h("div.field", {}, h("span.label", { text: label }), ...control);
}

function choice(name, options, value, onChange) {
  return h("select", { name, "aria-label": t(`details.${name}`), on: { change: (e) => onChange(e.target.value) } },
    options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value ?? ""), text: label })));
}

function snoozeTimes() {
  const now = new Date();
  const at = (hours) => new Date(now.getTime() + hours * 3600e3);
  const tomorrow9 = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0);
  return [["1h", at(1)], ["4h", at(4)], ["tomorrow", tomorrow9], ["week", at(24 * 7)]];
}

export function renderDetails(root, c, { agents, revealed, onReveal, change }) {
  clear(root);
  const contact = c.contact || { identities: [] };
  root.append(h("section.block", {},
    h("h3", { text: t("details.contact") }),
    isolated("div.contact-name", contact.name || ""),
    contact.id ? h("a.contact-link", { href: `#/contacts/${contact.id}`, text: t("contact.open") }) : null,
    h("ul.identities", {}, (contact.identities || []).map((i) =>
      h("li", {}, h(`span.badge.id-${i.kind}`, { text: t(`identity.${i.kind}`) }), " ", isolated(".identity", identityFull(i))))),
    contact.language ? h("div.muted", { text: `${t("details.language")}: ${contact.language}` }) : null,
    contact.unreachable ? h("div.warn", { text: t("details.unreachable") }) : null,
  ));

  const serviceLevel = slaBlock(c);
  if (serviceLevel) root.append(serviceLevel);
  const reasons = c.type_reasons || [];
  root.append(h("section.block", {},
    field(t("details.type"), choice("type", [["", t("type.none")], ...ISSUE_TYPES.map((x) => [x, t(`type.${x}`)])],
      c.type, (v) => change({ type: v || null }))),
    c.type_confidence != null ? h("div.muted", { text: t("details.confidence", { p: Math.round(c.type_confidence * 100) }) }) : null,
    reasons.length ? h("ul.reasons", { "aria-label": t("details.reasons") }, reasons.map((r) => h("li", { text: r }))) : null,
  ));

  const agentOptions = [["", t("details.nobody")], ...agents.filter((a) => a.active !== false).map((a) => [a.id, a.name])];
  const teamSelect = choice("team", [["", t("details.noTeam")]], c.team || "", (v) => change({ team: v || null }));
  loadTeams().then((teams) => {
    for (const team of teams) teamSelect.append(h("option", { value: team.name, selected: team.name === c.team, text: team.name }));
  });
  root.append(h("section.block", {},
    field(t("details.status"), choice("status", STATUSES.map((s) => [s, t(`status.${s}`)]), c.status,
      (v) => change({ status: v }))),
    c.snoozed_until ? h("div.muted", { text: t("details.snoozedUntil", { at: formatTime(c.snoozed_until) }) }) : null,
    field(t("details.snooze"), choice("snooze", [["", "—"], ...snoozeTimes().map(([k]) => [k, t(`snooze.${k}`)])], "",
      (v) => { const found = snoozeTimes().find(([k]) => k === v); if (found) change({ snooze_until: found[1].toISOString() }); })),
    field(t("details.priority"), choice("priority", PRIORITIES.map((p) => [p, t(`priority.${p}`)]), c.priority,
      (v) => change({ priority: v }))),
    field(t("details.assignee"), choice("assignee", agentOptions, c.assignee_id ?? "",
      (v) => change({ assignee_id: v ? Number(v) : null })),
    c.assignee_id !== session.agent.id ? h("button.link", { type: "button", text: t("details.assignMe"),
      on: { click: () => change({ assignee_id: session.agent.id }) } }) : null),
    field(t("details.team"), teamSelect),
  ));

  const tagInput = h("input.tag-input", { name: "add-tag", placeholder: t("details.addTag"), "aria-label": t("details.addTag"),
    on: { keydown: (e) => {
      if (e.key === "Enter" && e.target.value.trim()) { e.preventDefault(); change({ add_tags: [e.target.value.trim()] }); }
    } } });
  root.append(h("section.block", {},
    h("h3", { text: t("details.tags") }),
    h("div.tags", {}, (c.tags || []).map((tag) => h("span.tag", {}, tag,
      h("button.tag-remove", { type: "button", title: t("details.removeTag"), "aria-label": `${t("details.removeTag")} ${tag}`, text: "×",
        on: { click: () => change({ remove_tags: [tag] }) } })))),
    tagInput));

  if (session.isAdmin) {
    root.append(h("section.block", {}, revealed
      ? h("div.warn", { text: t("reveal.shown") })
      : h("button.secondary.reveal", { type: "button", text: t("reveal.button"), on: { click: onReveal } }),
    h("p.muted", { text: t("reveal.note") })));
  }

  const auditList = h("ol.audit");
  root.append(h("section.block", {}, h("button.link", { type: "button", text: t("details.history"), on: { click: async () => {
    clear(auditList);
    const rows = (await get(`/api/v1/conversations/${c.id}/audit`)).audit;
    for (const r of rows.slice(-30).reverse()) {
      auditList.append(h("li", {}, h("time", { text: formatTime(r.at) }), " ", h("b", { text: r.actor }), " ",
        h("span", { text: r.action }), " ", h("span.muted", { text: r.detail || "" })));
    }
  } } }), auditList));
}
