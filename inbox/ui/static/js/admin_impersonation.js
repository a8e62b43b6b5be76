// Admin: the official registry (what is ours) and the accounts seen impersonating us, with report links.
import { get, post, put } from "./api.js";
import { clear, fill, formatTime, h, toast } from "./dom.js";
import { t } from "./i18n.js";
import { problemsList } from "./admin.js";

export function mountImpersonation(root) {
  const editor = h("textarea.registry-text#registry-text", { rows: 14, spellcheck: "false", "aria-label": t("imp.registry") });
  const source = h("p.registry-source");
  const error = h("div");
  const list = h("tbody");
  const save = h("button.primary#registry-save", { type: "button", text: t("imp.save"), on: { click: async () => {
    clear(error);
    let body;
    try { body = JSON.parse(editor.value); } catch (err) { fill(error, problemsList(err)); return; }
    try { await put("/api/v1/admin/impersonation/registry", { registry: body }); toast(t("imp.saved")); await loadRegistry(); }
    catch (err) { fill(error, problemsList(err)); }
  } } });

  async function loadRegistry() {
    const data = await get("/api/v1/admin/impersonation/registry");
    editor.value = JSON.stringify(data.registry, null, 2);
    source.textContent = t("imp.source", { source: data.source });
  }

  function row(fake) {
    const setStatus = (status) => async () => {
      try { await post(`/api/v1/admin/impersonators/${fake.id}`, { status }); await loadList(); }
      catch (err) { toast(err.message, { kind: "error" }); }
    };
    const who = [fake.handle, fake.display_name].filter(Boolean).join(" · ") || fake.account_id;
    return h("tr", { "data-id": String(fake.id) },
      h("td", {}, h("span.badge", { text: fake.platform }), " ", h("span.who", { text: who })),
      h("td.score", { text: fake.score.toFixed(2) }),
      h("td.signals", {}, h("ul", {}, fake.signals.map((s) => h("li", { text: `${s.name}: ${s.detail}` })))),
      h("td", {}, fake.ticket ? h("a", { href: `#/inbox/${fake.conversation_id}`, text: fake.ticket }) : null),
      h("td", { text: `${fake.times_seen} · ${formatTime(fake.last_seen)}` }),
      h("td.status", { text: fake.status }),
      h("td.actions", {},
        h("a", { href: fake.links.profile, target: "_blank", rel: "noopener noreferrer", text: t("imp.profile") }), " ",
        h("a.report", { href: fake.links.report, target: "_blank", rel: "noopener noreferrer", text: t("imp.report") }), " ",
        fake.status === "open"
          ? [h("button.ghost", { type: "button", text: t("imp.markReported"), on: { click: setStatus("reported") } }),
             h("button.ghost", { type: "button", text: t("imp.dismiss"), on: { click: setStatus("dismissed") } })]
          : h("button.ghost", { type: "button", text: t("imp.reopen"), on: { click: setStatus("open") } })));
  }

  async function loadList() {
    const data = await get("/api/v1/admin/impersonators");
    fill(list, data.impersonators.length ? data.impersonators.map(row)
      : h("tr", {}, h("td", { colspan: 7, text: t("imp.none") })));
  }

  root.append(h("section.impersonation", {},
    h("table.impersonators", {},
      h("thead", {}, h("tr", {}, ["imp.account", "imp.score", "imp.signals", "imp.ticket", "imp.seen", "imp.status", "imp.report"]
        .map((k) => h("th", { text: t(k) })))), list),
    h("h3", { text: t("imp.registry") }), source, editor, save, error));
  loadRegistry().catch((err) => fill(error, problemsList(err)));
  loadList().catch((err) => fill(error, problemsList(err)));
  return () => {};
}
