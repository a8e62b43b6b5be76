// Service levels in the agent UI: the SLA badge of a list row, the SLA block of the conversation panel, and the
// admins' policy page (#/admin/sla). Times are shown in the agent's own time zone; the state comes from the server.
import { ApiError, del, get, put } from "./api.js";
import { clear, formatTime, h, toast } from "./dom.js";
import { t } from "./i18n.js";

export const SLA_STATES = ["on_track", "at_risk", "breached", "paused", "met"];
const CLOCKS = ["first_response", "next_response", "resolution"];

/** The list row's badge: state and the next due time ("due 14:00"), or nothing without a policy. */
export function slaBadge(c) {
  const sla = c.sla;
  if (!sla || sla.state === "none") return null;
  const due = sla.next_due && sla.state !== "met" ? ` · ${t("sla.due", { at: formatTime(sla.next_due) })}` : "";
  return h(`span.badge.sla.sla-${sla.state}`, { title: t("sla.policy", { name: sla.policy }),
    text: `${t(`sla.state.${sla.state}`)}${due}` });
}

/** The conversation panel's block: each clock's due time, when it was met, and breaches. */
export function slaBlock(c) {
  const sla = c.sla;
  if (!sla) return null;
  const rows = CLOCKS.map((clock) => {
    const due = sla[`${clock}_due`];
    const met = clock === "first_response" ? sla.first_response_at : null;
    const breached = sla[`${clock}_breached`] || (clock === "next_response" && sla.next_response_breaches > 0);
    if (!due && !met) return null;
    return h("li", { dataset: { clock } }, h("span.label", { text: t(`sla.clock.${clock}`) }), " ",
      met ? h("span", { text: t("sla.metAt", { at: formatTime(met) }) }) : h("time", { datetime: due, text: formatTime(due) }),
      breached ? h("span.badge.sla-breached", { text: t("sla.state.breached") }) : null);
  });
  return h("section.block.sla-block", {}, h("h3", { text: t("sla.title") }),
    h("div", {}, slaBadge(c), " ", h("span.muted", { text: t("sla.policy", { name: sla.policy }) })),
    h("ul.sla-clocks", {}, rows));
}

function policyRow(p, calendars, onRemove) {
  const input = (name, value, placeholder) => h("input", { name, value: value ?? "", placeholder, "aria-label": t(`sla.field.${name}`) });
  const priority = (p.when && p.when.priority) || [];
  const select = h("select", { name: "calendar", "aria-label": t("sla.field.calendar") },
    ["24/7", ...Object.keys(calendars)].map((name) => h("option", { value: name, selected: name === (p.calendar || "24/7"), text: name === "24/7" ? t("sla.always") : name })));
  return h("tr.sla-policy", {},
    h("td", {}, input("name", p.name, "normal")),
    h("td", {}, input("priority", Array.isArray(priority) ? priority.join(",") : priority, t("sla.anyPriority"))),
    h("td", {}, select),
    h("td", {}, input("first_response", p.first_response, "4h")),
    h("td", {}, input("next_response", p.next_response, "8h")),
    h("td", {}, input("resolution", p.resolution, "3d")),
    h("td", {}, h("button.link.danger", { type: "button", text: t("common.delete"), on: { click: onRemove } })));
}

/** #/admin/sla: policies in order (the first that matches applies), calendars as JSON, the satisfaction switch. */
export function mountSla(root) {
  const body = h("tbody");
  const calendarsBox = h("textarea.sla-calendars", { name: "calendars", rows: 6, "aria-label": t("sla.calendars") });
  const satisfaction = h("input", { type: "checkbox", name: "satisfaction" });
  const errors = h("div");
  const source = h("p.muted");
  let spec = { calendars: {}, policies: [] };

  function render() {
    clear(body);
    for (const p of spec.policies) {
      const tr = policyRow(p, spec.calendars, () => { spec.policies = collect().filter((_, i) => i !== [...body.children].indexOf(tr)); render(); });
      body.append(tr);
    }
    calendarsBox.value = JSON.stringify(spec.calendars || {}, null, 2);
    satisfaction.checked = !!spec.satisfaction;
  }

  function collect() {
    return [...body.querySelectorAll("tr.sla-policy")].map((tr) => {
      const value = (name) => tr.querySelector(`[name=${name}]`).value.trim();
      const policy = { name: value("name"), calendar: value("calendar") };
      const priority = value("priority");
      if (priority) policy.when = { priority: priority.split(",").map((x) => x.trim()).filter(Boolean) };
      for (const clock of CLOCKS) if (value(clock)) policy[clock] = value(clock);
      return policy;
    });
  }

  async function load() {
    const got = await get("/api/v1/sla/policies");
    spec = { calendars: got.calendars || {}, policies: got.policies || [], satisfaction: got.satisfaction };
    source.textContent = t(`sla.source.${got.source}`);
    render();
  }

  async function save(e) {
    e.preventDefault();
    clear(errors);
    let calendars;
    try { calendars = JSON.parse(calendarsBox.value || "{}"); } catch { errors.append(h("div.error", { role: "alert", text: t("sla.badCalendars") })); return; }
    try {
      await put("/api/v1/sla/policies", { calendars, policies: collect(), satisfaction: satisfaction.checked });
      toast(t("sla.saved"));
      await load();
    } catch (err) {
      const problems = err instanceof ApiError ? err.problems : [];
      errors.append(h("div.error", { role: "alert" }, h("p", { text: err.message }),
        h("ul.problems", {}, problems.map((p) => h("li", { text: p })))));
    }
  }

  root.append(h("div.admin-head", {}, h("h2", { text: t("sla.title") })), source,
    h("form.card.sla-form", { on: { submit: save } },
      h("p.muted", { text: t("sla.help") }),
      h("table.grid", {}, h("thead", {}, h("tr", {}, ["name", "priority", "calendar", "first_response", "next_response", "resolution", ""]
        .map((k) => h("th", { text: k ? t(`sla.field.${k}`) : "" })))), body),
      h("button.secondary#sla-add", { type: "button", text: t("sla.add"), on: { click: () => { spec.policies = [...collect(), { calendar: "24/7" }]; render(); } } }),
      h("label", {}, h("span", { text: t("sla.calendars") }), calendarsBox),
      h("label.check", {}, satisfaction, h("span", { text: t("sla.satisfaction") })),
      h("div.actions", {}, h("button.primary", { type: "submit", text: t("common.save") }),
        h("button.link", { type: "button", text: t("sla.reset"), on: { click: async () => { await del("/api/v1/sla/policies"); await load(); } } })),
      errors));
  load().catch((e) => errors.append(h("div.error", { text: e.message })));
}
