// The contact page (#/contacts/<id>): name (rename), identities (add an email or phone, remove a typed one), every
// conversation the agent may see on every channel, merging another contact in, and the merge history with undo.
import { ApiError, del, get, patch, post, query } from "./api.js";
import { clear, debounce, fill, formatTime, h, toast } from "./dom.js";
import { t, tn } from "./i18n.js";
import { contactName, identityFull } from "./labels.js";

function errorBox(error) {
  return h("div.error", { role: "alert", text: error instanceof ApiError ? error.message : String(error) });
}

export function mountContact(root, hash) {
  const contactId = Number((hash.match(/^#\/contacts\/(\d+)/) || [])[1]);
  const page = h("div.contact-page#contact-page");
  root.append(h("div.contact-scroll", {}, page));
  let alive = true;

  async function load() {
    try {
      const body = await get(`/api/v1/contacts/${contactId}`);
      if (alive) draw(body.contact);
    } catch (e) {
      fill(page, errorBox(e));
    }
  }

  async function act(promise, message) {
    try {
      const body = await promise;
      if (message) toast(message);
      if (body && body.contact) draw(body.contact); else load();
      return body;
    } catch (e) {
      toast(e.message, { kind: "error" });
      return null;
    }
  }

  function draw(c) {
    const nameInput = h("input#contact-name", { value: c.name || "", maxlength: 200, placeholder: t("contact.namePlaceholder"),
      "aria-label": t("contact.namePlaceholder") });
    const rename = (e) => {
      e.preventDefault();
      act(patch(`/api/v1/contacts/${c.id}`, { name: nameInput.value.trim() || null }), t("contact.saved"));
    };
    const kind = h("select#identity-kind", { "aria-label": t("contact.addIdentity") },
      ["email", "phone"].map((k) => h("option", { value: k, text: t(`contact.kind.${k}`) })));
    const value = h("input#identity-value", { placeholder: t("contact.valuePlaceholder"), "aria-label": t("contact.valuePlaceholder"), required: true });
    const addIdentity = (e) => {
      e.preventDefault();
      act(post(`/api/v1/contacts/${c.id}/identities`, { kind: kind.value, value: value.value.trim() }), t("contact.saved"));
    };
    const n = c.conversations.length;
    fill(page,
      h("h2", {}, t("contact.title"), " ", h("span.contact-title", { text: contactName(c) }), h("span.muted", { text: ` #${c.id}` })),
      c.merged_into ? h("div.warn#merged-notice", {}, t("contact.mergedInto"), " ",
        h("a", { href: `#/contacts/${c.merged_into}`, text: t("contact.goToMerged") })) : null,
      h("form.card.inline-form#contact-rename", { on: { submit: rename } }, nameInput,
        h("button.primary", { type: "submit", text: t("contact.rename") })),
      h("section.card", {}, h("h3", { text: t("contact.identities") }),
        h("ul.identities#contact-identities", {}, c.identities.map((i) => h("li", { dataset: { kind: i.kind } },
          h(`span.badge.id-${i.kind}`, { text: t(`identity.${i.kind}`) }), " ", h("span.value", { text: identityFull(i) }), " ",
          h("span.muted", { text: i.verified ? t("contact.verified") : t("contact.typed") }),
          i.verified ? null : h("button.link.danger", { type: "button", text: t("contact.removeIdentity"),
            on: { click: () => act(del(`/api/v1/contacts/${c.id}/identities/${i.id}`)) } })))),
        c.merged_into ? null : h("form.inline-form#add-identity", { on: { submit: addIdentity } }, kind, value,
          h("button.secondary", { type: "submit", text: t("contact.addIdentity") }))),
      h("section.card", {}, h("h3", { text: t("contact.conversations") }),
        h("p.muted#contact-count", { text: tn("contact.conversations", n) }),
        n ? h("table.grid#contact-conversations", {}, h("tbody", {}, c.conversations.map((v) => h("tr", {},
          h("td", {}, h("a", { href: `#/inbox/${v.id}`, text: v.ticket })),
          h("td", {}, h(`span.badge.ch-${v.channel}`, { text: t(`channel.${v.channel}`) })),
          h("td", { text: t(`status.${v.status}`) }),
          h("td.preview", { text: v.subject || v.preview || "" }),
          h("td.muted", { text: formatTime(v.last_message_at) })))))
          : h("p.muted", { text: t("contact.noConversations") })),
      c.merged_into ? null : mergeSection(c),
      c.merges.length ? h("section.card#merge-history", {}, h("h3", { text: t("contact.history") }),
        h("ul", {}, c.merges.map((m) => h("li", { dataset: { merge: m.id } },
          t("contact.mergeRow", { when: formatTime(m.merged_at), merged: `#${m.merged_id}`, kept: `#${m.kept_id}`, actor: m.actor }), " ",
          m.unmerged_at ? h("span.muted", { text: t("contact.undone", { when: formatTime(m.unmerged_at) }) })
            : m.kept_id === c.id ? h("button.secondary.undo-merge", { type: "button", text: t("contact.undo"),
              on: { click: () => act(post(`/api/v1/contacts/merges/${m.id}/undo`), t("contact.unmerged")) } }) : null)))) : null,
    );
  }

  function mergeSection(c) {
    const results = h("ul.merge-results#merge-results");
    const search = async (text) => {
      if (!text) { clear(results); return; }
      try {
        const found = (await get(`/api/v1/contacts${query({ q: text })}`)).contacts.filter((x) => x.id !== c.id);
        fill(results, ...(found.length ? found.map((x) => h("li", { dataset: { contact: x.id } },
          h("a", { href: `#/contacts/${x.id}`, text: `${contactName(x)} #${x.id}` }), " ",
          h("span.muted", { text: x.identities.map(identityFull).join(", ") }), " ",
          h("button.secondary.merge-button", { type: "button", text: t("contact.mergeButton"), on: { click: () => {
            if (!confirm(t("contact.confirmMerge", { other: `${contactName(x)} #${x.id}`, name: `${contactName(c)} #${c.id}` }))) return;
            act(post(`/api/v1/contacts/${c.id}/merge`, { other: x.id }), t("contact.merged"));
          } } })))
          : [h("li.muted", { text: t("contact.noResults") })]));
      } catch (e) {
        fill(results, h("li", {}, errorBox(e)));
      }
    };
    const input = h("input#merge-search", { type: "search", placeholder: t("contact.mergeSearch"), "aria-label": t("contact.mergeSearch"),
      on: { input: debounce((e) => search(e.target.value.trim()), 250) } });
    return h("section.card#merge", {}, h("h3", { text: t("contact.merge") }), input, results);
  }

  if (!contactId) fill(page, errorBox(t("error.load")));
  else load();
  return () => { alive = false; };
}
