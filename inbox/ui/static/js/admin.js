// Admin pages: connectors (health, enable/disable, add/edit with validation, secrets write-only), rules, agents
// and teams, canned replies.
import { ApiError, del, get, post, put } from "./api.js";
import { clear, fill, formatTime, h, toast } from "./dom.js";
import { t } from "./i18n.js";
import { schemaForm } from "./schema_form.js";
import { mountCanned, mountRules } from "./admin_more.js";
import { mountAgents, mountTeams } from "./admin_people.js";
import { mountReports } from "./reports.js";
import { mountSla } from "./sla.js";
import { mountImpersonation } from "./admin_impersonation.js";
import { mountClassifier } from "./admin_classifier.js";

const TABS = ["connectors", "rules", "agents", "teams", "canned", "sla", "reports", "impersonation", "classifier"];
const HEALTH_REFRESH_MS = 3000;

export function mountAdmin(root, hash) {
  const tab = TABS.find((x) => hash.startsWith(`#/admin/${x}`)) || "connectors";
  const body = h("div.admin-body");
  root.append(h("div.admin", {},
    h("nav.admin-tabs", {}, TABS.map((x) => h("a", { href: `#/admin/${x}`, class: x === tab ? "active" : "", text: t(`admin.${x}`) }))),
    body));
  const mount = { connectors: mountConnectors, rules: mountRules, agents: mountAgents, teams: mountTeams, canned: mountCanned,
    sla: mountSla, reports: mountReports, impersonation: mountImpersonation, classifier: mountClassifier }[tab];
  return mount(body) || (() => {});
}

export function problemsList(error) {
  const problems = error instanceof ApiError ? error.problems : [];
  return h("div.error", { role: "alert" }, h("p", { text: error.message }),
    problems.length ? h("ul.problems", {}, problems.map((p) => h("li", { text: typeof p === "string" ? p : JSON.stringify(p) }))) : null);
}

// A one-line form of plain inputs (a select where `options` is given, a textarea where `multiline`) for the admin
// pages: posts what was typed, shows the server's problems under it.
export function simpleForm(fields, onSubmit, submitLabel) {
  const error = h("div");
  const inputs = Object.fromEntries(fields.map(([name, attrs]) => [name, attrs.options
    ? h("select", { name, "aria-label": t(`field.${name}`) }, attrs.options.map(([v, l]) => h("option", { value: v, text: l })))
    : h(attrs.multiline ? "textarea" : "input", { name, placeholder: t(`field.${name}`), "aria-label": t(`field.${name}`), ...attrs })]));
  const form = h("form.card.inline-form", { on: { submit: async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim() || null]));
    try { await onSubmit(values); form.reset(); clear(error); } catch (err) { fill(error, problemsList(err)); }
  } } }, Object.values(inputs), h("button.primary", { type: "submit", text: submitLabel }), error);
  return form;
}

function stateBadge(state) {
  return h(`span.badge.state-${state}`, { text: t(`state.${state}`) });
}

function mountConnectors(root) {
  let schemas = null;
  let editing = null; // {name, connector|null}
  const table = h("tbody");
  const formBox = h("div.connector-form");
  root.append(
    h("div.admin-head", {}, h("h2", { text: t("admin.connectors") }),
      h("button.primary#add-connector", { type: "button", text: t("admin.addConnector"), on: { click: () => edit(null) } })),
    h("table.grid.connectors", {}, h("thead", {}, h("tr", {}, ["name", "type", "state", "lastSync", "lastError", "enabled", ""]
      .map((k) => h("th", { text: k ? t(`col.${k}`) : "" })))), table),
    formBox);

  async function refresh() {
    let list;
    try { list = (await get("/api/v1/connectors")).connectors; } catch (e) { fill(table, h("tr", {}, h("td", { colspan: 7 }, problemsList(e)))); return; }
    clear(table);
    for (const c of list) {
      const fromFile = c.source === "config file";
      table.append(h("tr", { dataset: { name: c.name } },
        h("td.name", { text: c.name }),
        h("td", { text: c.type }),
        h("td.state", {}, stateBadge(c.health.state),
          c.health.next_retry_at ? h("div.muted", { text: t("admin.retryAt", { at: formatTime(c.health.next_retry_at) }) }) : null),
        h("td", { text: c.health.last_sync ? formatTime(c.health.last_sync) : "—" }),
        h("td.last-error", { text: c.health.last_error || "" }),
        h("td", {}, h("input.enabled-toggle", { type: "checkbox", checked: c.enabled, disabled: fromFile,
          "aria-label": t("col.enabled"), on: { change: (e) => setEnabled(c, e.target.checked) } })),
        h("td.actions", {}, fromFile ? h("span.muted", { text: t("admin.fromFile") }) : [
          h("button.link", { type: "button", text: t("common.edit"), on: { click: () => edit(c) } }),
          h("button.link.danger", { type: "button", text: t("common.delete"), on: { click: () => remove(c) } })])));
    }
  }

  async function setEnabled(c, enabled) {
    try {
      await put(`/api/v1/connectors/${encodeURIComponent(c.name)}`, { ...c.config, enabled });
    } catch (e) {
      toast(`${t("error.save")}: ${e.message}`, { kind: "error" });
    }
    refresh();
  }

  async function remove(c) {
    if (!confirm(t("admin.confirmDelete", { name: c.name }))) return;
    try { await del(`/api/v1/connectors/${encodeURIComponent(c.name)}`); } catch (e) { toast(e.message, { kind: "error" }); }
    refresh();
  }

  async function edit(connector) {
    if (!schemas) schemas = (await get("/api/v1/connector-types")).types;
    editing = { connector };
    clear(formBox);
    const types = Object.keys(schemas).filter((k) => !schemas[k].unavailable);
    const nameInput = h("input#connector-name", { name: "name", required: true, pattern: "[A-Za-z0-9_.\\-]+",
      value: connector ? connector.name : "", disabled: !!connector, placeholder: "support-mail" });
    const typeSelect = h("select#connector-type", { name: "type", disabled: !!connector },
      types.map((x) => h("option", { value: x, selected: connector ? x === connector.type : false, text: x })));
    const fields = h("div");
    const errorBox = h("div");
    const testResult = h("div#connector-test-result", { role: "status" });
    let form = null;
    const draw = () => {
      form = schemaForm(schemas[typeSelect.value], connector ? connector.config : {});
      fill(fields, form.el);
      clear(testResult);
    };
    const testConnection = async () => {
      // Tries the form's settings without saving them; secrets left blank are taken from the saved connector.
      fill(testResult, h("p.muted", { text: t("connector.testing") }));
      try {
        const body = await post("/api/v1/connectors/test", { name: connector ? connector.name : undefined,
          type: typeSelect.value, ...form.read() });
        fill(testResult, body.ok ? h("p.ok", { text: t("connector.testOk", { message: body.message }) })
          : h("p.error", { text: t("connector.testFailed", { error: body.error }) }));
      } catch (err) {
        fill(testResult, problemsList(err));
      }
    };
    typeSelect.addEventListener("change", draw);
    draw();
    const submit = async (e) => {
      e.preventDefault();
      const name = nameInput.value.trim();
      try {
        await put(`/api/v1/connectors/${encodeURIComponent(name)}`, { type: typeSelect.value, ...form.read() });
        clear(formBox);
        editing = null;
        toast(t("admin.saved"));
        refresh();
      } catch (err) {
        fill(errorBox, problemsList(err));
      }
    };
    formBox.append(h("form.card.edit-connector", { on: { submit } },
      h("h3", { text: connector ? t("admin.editConnector", { name: connector.name }) : t("admin.addConnector") }),
      h("div.form-row", {}, h("label", { for: "connector-name", text: t("col.name") }), nameInput),
      h("div.form-row", {}, h("label", { for: "connector-type", text: t("col.type") }), typeSelect),
      fields, errorBox, testResult,
      h("div.form-actions", {}, h("button.primary", { type: "submit", text: t("common.save") }),
        h("button.secondary#test-connection", { type: "button", text: t("connector.test"), on: { click: testConnection } }),
        h("button.ghost", { type: "button", text: t("common.cancel"), on: { click: () => { clear(formBox); editing = null; } } }))));
    nameInput.focus();
  }

  refresh();
  const timer = setInterval(refresh, HEALTH_REFRESH_MS);
  return () => clearInterval(timer);
}
