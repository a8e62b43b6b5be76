// Admin: agents (add, edit name/role/team, deactivate/activate, set a new password) and teams (add, rename, delete;
// a team in use is moved to another one first).
import { ApiError, del, get, patch, post } from "./api.js";
import { clear, fill, h, toast } from "./dom.js";
import { t, tn } from "./i18n.js";
import { problemsList, simpleForm } from "./admin.js";

export function mountAgents(root) {
  const rows = h("tbody");
  const editBox = h("div#agent-edit");
  let teams = [];

  const load = async () => {
    const [agents, teamList] = await Promise.all([get("/api/v1/agents"), get("/api/v1/teams")]);
    teams = teamList.teams;
    clear(rows);
    for (const a of agents.agents) {
      rows.append(h("tr", { dataset: { agent: a.id }, class: a.active ? "" : "inactive" },
        h("td", { text: a.name }), h("td", { text: a.email }), h("td", { text: t(`role.${a.role}`) }),
        h("td", { text: a.team || "—" }), h("td.active", { text: a.active ? t("common.yes") : t("common.no") }),
        h("td.actions", {}, h("button.link.edit-agent", { type: "button", text: t("agents.edit"), on: { click: () => edit(a) } }))));
    }
  };

  function edit(a) {
    const name = h("input#agent-name", { value: a.name, "aria-label": t("field.name"), maxlength: 200 });
    const role = h("select#agent-role", { "aria-label": t("field.role") },
      ["agent", "admin"].map((r) => h("option", { value: r, selected: r === a.role, text: t(`role.${r}`) })));
    const team = h("select#agent-team", { "aria-label": t("field.team") }, h("option", { value: "", text: t("agents.noTeam") }),
      teams.map((x) => h("option", { value: x.name, selected: x.name === a.team, text: x.name })));
    const password = h("input#agent-password", { type: "password", minlength: 8, autocomplete: "new-password",
      placeholder: t("agents.newPassword"), "aria-label": t("agents.newPassword") });
    const errors = h("div");
    const done = (message) => { toast(message); clear(editBox); load(); };
    const run = async (fn) => { try { await fn(); } catch (e) { fill(errors, problemsList(e)); } };
    const save = (e) => {
      e.preventDefault();
      run(async () => {
        await patch(`/api/v1/agents/${a.id}`, { name: name.value.trim(), role: role.value, team: team.value || null });
        done(t("admin.saved"));
      });
    };
    fill(editBox, h("form.card.agent-form", { on: { submit: save } },
      h("h3", { text: t("agents.editTitle", { email: a.email }) }),
      h("div.form-row", {}, h("label", { for: "agent-name", text: t("field.name") }), name),
      h("div.form-row", {}, h("label", { for: "agent-role", text: t("field.role") }), role),
      h("div.form-row", {}, h("label", { for: "agent-team", text: t("field.team") }), team),
      h("div.form-actions", {}, h("button.primary", { type: "submit", text: t("common.save") }),
        h("button.ghost", { type: "button", text: t("common.cancel"), on: { click: () => clear(editBox) } })),
      h("div.form-row", {}, password, h("button.secondary#agent-set-password", { type: "button", text: t("agents.resetPassword"),
        on: { click: () => run(async () => {
          await post(`/api/v1/agents/${a.id}/password`, { password: password.value });
          done(t("agents.passwordSet"));
        }) } })),
      h("div.form-actions", {}, a.active
        ? h("button.secondary.danger#agent-deactivate", { type: "button", text: t("agents.deactivate"), on: { click: () => {
          if (!confirm(t("agents.confirmDeactivate", { email: a.email }))) return;
          run(async () => {
            const body = await post(`/api/v1/agents/${a.id}/deactivate`);
            done(tn("agents.deactivated", body.sessions_ended));
          });
        } } })
        : h("button.secondary#agent-activate", { type: "button", text: t("agents.activate"), on: { click: () => run(async () => {
          await post(`/api/v1/agents/${a.id}/activate`);
          done(t("admin.saved"));
        }) } })),
      errors));
    name.focus();
  }

  root.append(h("h2", { text: t("admin.agents") }),
    h("table.grid#agents-table", {}, h("thead", {}, h("tr", {}, ["name", "email", "role", "team", "active"].map((k) => h("th", { text: t(`field.${k}`) })),
      h("th", { text: t("agents.actions") }))), rows),
    editBox,
    h("h3", { text: t("admin.addAgent") }),
    simpleForm([["email", { type: "email", required: true }], ["name", {}], ["password", { type: "password", required: true, minlength: 8, autocomplete: "new-password" }],
      ["role", { options: [["agent", t("role.agent")], ["admin", t("role.admin")]] }], ["team", {}]],
    async (v) => { await post("/api/v1/agents", v); toast(t("admin.saved")); load(); }, t("common.add")));
  load();
}

export function mountTeams(root) {
  const list = h("ul.team-list#team-list");
  const load = async () => {
    const teams = (await get("/api/v1/teams")).teams;
    fill(list, ...teams.map((x) => teamRow(x, teams)));
  };

  function teamRow(team, all) {
    const input = h("input.team-name", { value: team.name, maxlength: 100, "aria-label": t("field.name") });
    const note = h("div.team-note");
    const rename = async (e) => {
      e.preventDefault();
      try {
        const body = await patch(`/api/v1/teams/${team.id}`, { name: input.value.trim() });
        toast(t("admin.saved"));
        if (body.rules_naming_old_name.length) {
          toast(t("teams.renamedRules", { rules: body.rules_naming_old_name.join(", ") }), { kind: "warn", ms: 12000 });
        }
        load();
      } catch (err) { fill(note, problemsList(err)); }
    };
    const remove = async (moveTo = null) => {
      try {
        await del(`/api/v1/teams/${team.id}${moveTo ? `?move_to=${moveTo}` : ""}`);
        toast(t("admin.saved"));
        load();
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) { fill(note, problemsList(err)); return; }
        const others = all.filter((x) => x.id !== team.id);
        const target = h("select.move-to", { "aria-label": t("teams.moveAndDelete") }, others.map((x) => h("option", { value: x.id, text: x.name })));
        const usage = (err.body && err.body.usage) || {};
        const what = [tn("teams.agents", usage.agents || 0), tn("teams.open", usage.open_conversations || 0),
          tn("teams.resolved", usage.resolved_conversations || 0)].join(t("common.listSep"));
        fill(note, h("div.warn", {}, t("teams.inUse", { name: team.name, what }), " ",
        others.length ? [target, " ", h("button.secondary.danger.move-delete", { type: "button", text: t("teams.moveAndDelete"),
          on: { click: () => remove(target.value) } })] : null));
      }
    };
    return h("li", { dataset: { team: team.id } },
      h("form.inline-form", { on: { submit: rename } }, h("b.team-label", { text: team.name }), input, h("button.secondary", { type: "submit", text: t("teams.rename") }),
        h("button.link.danger.delete-team", { type: "button", text: t("common.delete"), on: { click: () => {
          if (confirm(t("teams.confirmDelete", { name: team.name }))) remove();
        } } })),
      note);
  }

  root.append(h("h2", { text: t("admin.teams") }), list,
    simpleForm([["name", { required: true }]], async (v) => { await post("/api/v1/teams", v); load(); }, t("common.add")));
  load();
}
