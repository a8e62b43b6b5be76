// The reports page (#/admin/reports): volume, response and resolution times with SLA attainment, satisfaction.
// Tables with a bar per row (the chart), a date range, and each report's CSV download.
import { get, query } from "./api.js";
import { clear, h } from "./dom.js";
import { t } from "./i18n.js";

const SECTIONS = [
  { key: "volume", path: "/api/v1/reports/volume", by: ["channel", "type", "team", "hour"], value: "total",
    columns: ["inbound", "outbound", "total"] },
  { key: "first_response", path: "/api/v1/reports/times", extra: { metric: "first_response" },
    by: ["none", "channel", "type", "team"], value: "median_minutes",
    columns: ["count", "median_minutes", "p90_minutes", "breached", "attainment"] },
  { key: "resolution", path: "/api/v1/reports/times", extra: { metric: "resolution" },
    by: ["none", "channel", "type", "team"], value: "median_minutes",
    columns: ["count", "median_minutes", "p90_minutes", "breached", "attainment"] },
  { key: "satisfaction", path: "/api/v1/reports/satisfaction", by: ["agent", "team", "type", "none"],
    value: "average", columns: ["count", "average", "satisfied_share"] },
];

function isoDay(date) { return date.toISOString().slice(0, 10); }

function cell(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : String(value);
}

function label(by, value) {
  if (by === "none") return t("report.all");
  if (value === null || value === undefined) return "—";
  if (by === "channel") return t(`channel.${value}`);
  if (by === "type") return t(`type.${value}`);
  return String(value);
}

export function mountReports(root) {
  const today = new Date();
  const from = h("input", { type: "date", name: "from", value: isoDay(new Date(today.getTime() - 29 * 86400e3)) });
  const to = h("input", { type: "date", name: "to", value: isoDay(today) });
  const boxes = SECTIONS.map((section) => ({ section, by: section.by[0], box: h("div.report-body") }));

  async function load(entry) {
    const { section, box } = entry;
    const params = { ...(section.extra || {}), by: entry.by, from: from.value, to: to.value,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone };
    clear(box);
    let rows;
    try { rows = (await get(section.path + query(params))).rows; } catch (e) { box.append(h("div.error", { text: e.message })); return; }
    const top = Math.max(1, ...rows.map((r) => Number(r[section.value]) || 0));
    box.append(h("table.grid.report", { dataset: { report: section.key } },
      h("thead", {}, h("tr", {}, [entry.by, ...section.columns, ""].map((c) => h("th", { text: c ? t(`report.col.${c}`) : "" })))),
      h("tbody", {}, rows.map((r) => h("tr", {},
        h("td", { text: label(entry.by, r[entry.by]) }),
        section.columns.map((c) => h("td.num", { text: cell(r[c]) })),
        h("td.bar-cell", {}, h("span.bar", { style: `width:${Math.round(100 * (Number(r[section.value]) || 0) / top)}%` })))))),
    h("a.link", { href: section.path + query({ ...params, format: "csv" }), download: `${section.key}.csv`, text: t("report.csv") }));
  }

  root.append(h("div.admin-head", {}, h("h2", { text: t("report.title") })),
    h("div.report-range", {}, h("label", {}, h("span", { text: t("report.from") }), from),
      h("label", {}, h("span", { text: t("report.to") }), to),
      h("button.secondary", { type: "button", text: t("report.refresh"), on: { click: () => boxes.forEach(load) } })),
    ...boxes.map((entry) => h("section.card.report-section", { dataset: { section: entry.section.key } },
      h("h3", { text: t(`report.${entry.section.key}`) }),
      h("select", { name: `by-${entry.section.key}`, "aria-label": t("report.by"),
        on: { change: (e) => { entry.by = e.target.value; load(entry); } } },
      entry.section.by.map((b) => h("option", { value: b, text: t(`report.col.${b}`) }))),
      entry.box)));
  boxes.forEach(load);
}
