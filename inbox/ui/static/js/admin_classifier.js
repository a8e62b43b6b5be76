// Admin: the issue-type classifier learning from agents' corrections (status, retrain, roll back).
import { get, post } from "./api.js";
import { fill, formatTime, h, toast } from "./dom.js";
import { t } from "./i18n.js";
import { problemsList } from "./admin.js";

export function mountClassifier(root) {
  const status = h("div.classifier-status");
  const rows = h("tbody");
  const result = h("div.classifier-result", { "aria-live": "polite" });
  const force = h("input#classifier-force", { type: "checkbox" });
  const retrainButton = h("button.primary#classifier-retrain", { type: "button", text: t("classifier.retrain"), on: { click: retrain } });
  const rollbackButton = h("button.secondary#classifier-rollback", { type: "button", text: t("classifier.rollback"), on: { click: rollback } });
  const f1 = (side) => (side ? side.corrections.macro_f1.toFixed(3) : "");

  async function load() {
    const s = await get("/api/v1/classifier");
    const model = s.active_version ? t("classifier.deployment", { id: s.active_version }) : t("classifier.shipped");
    fill(status, h("p", { text: t("classifier.model", { model }) }), h("p.muted", { text: t("classifier.corrections", { n: s.corrections }) }));
    rollbackButton.disabled = !s.active_version;
    fill(rows, ...s.versions.slice().reverse().map((v) => h("tr", {}, h("td", { text: String(v.id) }),
      h("td", { text: formatTime(v.created_at) }), h("td", { text: v.created_by }), h("td", { text: String(v.trained_on) }),
      h("td", { text: String(v.held_out) }), h("td", { text: f1(v.report.before) }), h("td", { text: f1(v.report.after) }),
      h("td", { text: t(v.active ? "classifier.active" : v.rolled_back_at ? "classifier.rolledBack" : "classifier.kept") }))));
  }

  async function retrain() {
    retrainButton.disabled = true;
    fill(result, h("p.muted", { text: t("classifier.retraining") }));
    try {
      const r = await post("/api/v1/classifier/retrain", { force: force.checked });
      fill(result, h("p.ok", { text: t("classifier.done", { id: r.version, before: f1(r.before), after: f1(r.after) }) }),
        r.activated ? null : h("p.warn", { text: t("classifier.notUsed") }));
      load();
    } catch (e) {
      fill(result, problemsList(e));
    } finally {
      retrainButton.disabled = false;
    }
  }

  async function rollback() {
    try { await post("/api/v1/classifier/rollback"); toast(t("classifier.rolledBackTo")); load(); } catch (e) { fill(result, problemsList(e)); }
  }

  root.append(h("h2", { text: t("admin.classifier") }), h("p.muted", { text: t("classifier.help") }), status,
    h("div.form-actions", {}, retrainButton, h("label", {}, force, " ", t("classifier.force")), rollbackButton), result,
    h("table.grid.classifier-versions", {}, h("thead", {}, h("tr", {}, ["version", "when", "by", "trained", "heldout", "before", "after", "state"]
      .map((k) => h("th", { text: t(`classifier.col.${k}`) })))), rows));
  load().catch((e) => fill(result, problemsList(e)));
}
