// Admin: routing rules (view, validate, save, dry run; teams the rules target that don't exist), canned replies.
import { ApiError, del, get, post, put } from "./api.js";
import { clear, fill, h, toast } from "./dom.js";
import { t } from "./i18n.js";
import { problemsList, simpleForm } from "./admin.js";
import { loadCanned } from "./composer.js";

export function mountRules(root) {
  const status = h("div.rules-status");
  const editor = h("textarea.rules-text#rules-text", { rows: 22, spellcheck: "false", "aria-label": t("rules.editor") });
  const summary = h("tbody");
  const result = h("div.rules-result");
  const sample = h("textarea#dry-text", { rows: 3, placeholder: t("rules.samplePlaceholder"), "aria-label": t("rules.sample") });
  const channel = h("select#dry-channel", {}, ["webchat", "email", "telegram", "twitter"].map((c) => h("option", { value: c, text: t(`channel.${c}`) })));
  const visibility = h("select#dry-visibility", {}, ["private", "public"].map((v) => h("option", { value: v, text: t(`visibility.${v}`) })));
  const useDraft = h("input#dry-draft", { type: "checkbox", checked: true });
  const dryOut = h("div.dry-out", { "aria-live": "polite" });
  const teamWarnings = h("div#rules-team-warnings");
  // A fix typed after a failed check makes the old errors stale: say so instead of showing them.
  editor.addEventListener("input", () => {
    if (result.firstChild && !result.querySelector(".edited")) fill(result, h("p.muted.edited", { text: t("rules.edited") }));
  });

  const renderSummary = (rules) => {
    clear(summary);
    for (const r of rules) {
      summary.append(h("tr", { class: r.enabled ? "" : "disabled" }, h("td", { text: r.group }), h("td", { text: r.name }),
        h("td", { text: r.conditions }), h("td", { text: r.actions.join("; ") }), h("td", { text: r.stop ? "stop" : "" })));
    }
  };

  async function checkTeams() {
    try {
      const { problems } = await get("/api/v1/rules/team-check");
      fill(teamWarnings, ...problems.map((p) => h("p.warn.team-warning", { text: t(p.problem === "missing" ? "rules.teamMissing" : "rules.teamEmpty",
        { team: p.team, rules: p.rules.join(", ") }) })));
    } catch { clear(teamWarnings); }
  }

  async function load(keepDraft = false) {
    try {
      const body = await get("/api/v1/rules");
      if (!keepDraft) editor.value = body.text;
      status.replaceChildren(h("p.muted", { text: t("rules.file", { path: body.path }) }),
        body.last_error ? h("pre.error", { text: body.last_error }) : h("p.ok", { text: t("rules.inForce") }));
      renderSummary(body.rules);
      checkTeams();
    } catch (e) {
      root.replaceChildren(h("h2", { text: t("admin.rules") }), e instanceof ApiError && e.status === 404
        ? h("div.card.notice#rules-missing", {}, h("p", { text: t("rules.none") }), h("pre", { text: "routing:\n  rules: config/rules.yaml" }))
        : problemsList(e));
    }
  }

  async function validate() {
    const body = await post("/api/v1/rules/validate", { text: editor.value });
    fill(result, body.ok ? h("p.ok", { text: t("rules.valid") })
      : h("div.error", {}, h("p", { text: t("rules.invalid") }), h("ul.problems", {}, body.errors.map((x) => h("li", { text: x })))));
  }

  async function save() {
    try {
      const body = await put("/api/v1/rules", { text: editor.value });
      fill(result, h("p.ok", { text: t("rules.saved") }));
      renderSummary(body.rules);
      load(true); // the file's load error, if one was shown, is gone now
    } catch (e) {
      fill(result, problemsList(e));
    }
  }

  async function dryRun(e) {
    e.preventDefault();
    try {
      const body = await post("/api/v1/rules/dry-run", { text: sample.value, channel: channel.value,
        visibility: visibility.value, rules_text: useDraft.checked ? editor.value : undefined });
      const eff = body.effects;
      const effects = Object.entries(eff).filter(([, v]) => v && (!Array.isArray(v) || v.length))
        .map(([k, v]) => h("li", {}, h("b", { text: k }), ": ", Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : x.text)).join(", ") : String(v)));
      fill(dryOut, 
        body.classification ? h("p", { text: t("rules.classified", { type: body.classification.type,
          p: Math.round(body.classification.confidence * 100) }) }) : null,
        body.findings.length ? h("p", { text: t("rules.findings", { kinds: body.findings.map((f) => f.kind).join(", ") }) }) : null,
        h("h4", { text: t("rules.fired") }),
        body.fired.length ? h("ol.fired", {}, body.fired.map((f) => h("li", {}, h("b", { text: `${f.group} / ${f.rule}` }),
          ` — ${f.actions.join("; ")}${f.stopped ? " (stop)" : ""}`))) : h("p.muted", { text: t("rules.noneFired") }),
        effects.length ? h("ul.effects", {}, effects) : null);
    } catch (err) {
      fill(dryOut, problemsList(err));
    }
  }

  root.append(h("h2", { text: t("admin.rules") }), status, teamWarnings,
    h("div.rules-layout", {},
      h("div", {}, editor, h("div.form-actions", {},
        h("button.secondary", { type: "button", text: t("rules.validate"), on: { click: validate } }),
        h("button.primary", { type: "button", text: t("common.save"), on: { click: save } })), result),
      h("div", {},
        h("form.card.dry-run", { on: { submit: dryRun } }, h("h3", { text: t("rules.dryRun") }), sample,
          h("div.form-inline", {}, channel, visibility, h("label", {}, useDraft, " ", t("rules.useDraft"))),
          h("button.primary", { type: "submit", text: t("rules.run") }), dryOut),
        h("table.grid", {}, h("thead", {}, h("tr", {}, ["group", "rule", "when", "then", ""].map((k) => h("th", { text: k ? t(`rules.col.${k}`) : "" })))), summary))));
  load();
}

export function mountCanned(root) {
  const rows = h("tbody");
  const load = async () => {
    const canned = await loadCanned(true);
    clear(rows);
    for (const c of canned) {
      rows.append(h("tr", {}, h("td", {}, h("code", { text: `/${c.shortcut}` })), h("td", { text: c.title }),
        h("td.pre", { text: c.text }), h("td", { text: c.language || "" }),
        h("td", {}, h("button.link.danger", { type: "button", text: t("common.delete"), on: { click: async () => {
          try { await del(`/api/v1/canned-replies/${c.id}`); load(); } catch (e) { toast(e.message, { kind: "error" }); }
        } } }))));
    }
  };
  root.append(h("h2", { text: t("admin.canned") }), h("p.muted", { text: t("canned.help") }),
    h("table.grid", {}, h("thead", {}, h("tr", {}, ["shortcut", "title", "text", "language", ""].map((k) => h("th", { text: k ? t(`field.${k}`) : "" })))), rows),
    simpleForm([["shortcut", { required: true }], ["title", { required: true }], ["text", { required: true, multiline: true, rows: 3 }],
      ["language", { options: [["", "—"], ["zh", "中文"], ["en", "English"]] }]],
    async (v) => { await post("/api/v1/canned-replies", v); load(); }, t("common.add")));
  load();
}
