// A form drawn from a connector type's JSON Schema (pydantic's), so every connector type gets an editor without
// hand-written forms. Secrets (writeOnly) are never filled in: left blank on an edit, the stored secret is kept.
import { h } from "./dom.js";
import { hasText, t } from "./i18n.js";

function resolve(schema, root) {
  if (schema && schema.$ref) return root.$defs[schema.$ref.split("/").pop()];
  return schema;
}

/** The non-null branch of `anyOf: [X, {type: null}]`, and whether null is allowed. */
function unwrap(schema, root) {
  const s = resolve(schema, root);
  if (s && s.anyOf) {
    const nonNull = s.anyOf.filter((x) => x.type !== "null");
    return { schema: { ...resolve(nonNull[0], root), title: s.title, default: s.default }, nullable: nonNull.length < s.anyOf.length };
  }
  return { schema: s, nullable: false };
}

function isSecret(s) { return s.writeOnly || s.format === "password"; }

/**
 * Build the inputs for `schema` into a fieldset; returns {el, read()}. `value` is the current public config (secrets
 * come as {secret: true, set: bool}); read() returns the body to PUT (blank optional fields left out).
 */
export function schemaForm(schema, value = {}, root = schema, path = "") {
  const readers = [];
  const el = h("div.schema-form");
  const required = new Set(schema.required || []);
  for (const [key, raw] of Object.entries(schema.properties || {})) {
    if (key === "type") continue; // chosen by the type selector
    const { schema: s, nullable } = unwrap(raw, root);
    const current = value ? value[key] : undefined;
    const id = `cf-${path}${key}`;
    const label = h("label", { for: id, text: `${s.title || raw.title || key}${required.has(key) ? " *" : ""}` });
    if (s.type === "object" && s.properties) {
      const sub = schemaForm(s, current || raw.default || {}, root, `${path}${key}-`);
      el.append(h("fieldset", {}, h("legend", { text: raw.title || key }), sub.el));
      readers.push((out) => { out[key] = sub.read(); });
      continue;
    }
    let input;
    if (isSecret(s)) {
      const isSet = current && current.secret && current.set;
      input = h("input", { id, name: key, type: "password", autocomplete: "new-password",
        placeholder: isSet ? t("admin.secretKept") : "", required: required.has(key) && !isSet });
      readers.push((out) => { if (input.value) out[key] = input.value; });
    } else if (s.enum) {
      input = h("select", { id, name: key }, nullable ? h("option", { value: "", text: "—" }) : null,
        s.enum.map((v) => h("option", { value: v, selected: v === (current ?? s.default), text: v })));
      readers.push((out) => { if (input.value !== "") out[key] = input.value; });
    } else if (s.type === "boolean") {
      input = h("input", { id, name: key, type: "checkbox", checked: current ?? s.default ?? false });
      readers.push((out) => { out[key] = input.checked; });
    } else if (s.type === "integer" || s.type === "number") {
      input = h("input", { id, name: key, type: "number", step: s.type === "integer" ? "1" : "any",
        value: current ?? "", placeholder: s.default ?? "", min: s.minimum, max: s.maximum,
        required: required.has(key) });
      readers.push((out) => { if (input.value !== "") out[key] = Number(input.value); });
    } else {
      input = h("input", { id, name: key, type: "text", value: current ?? "", placeholder: s.default ?? "",
        required: required.has(key) });
      readers.push((out) => { if (input.value.trim() !== "") out[key] = input.value.trim(); });
    }
    // What the field means, with units and an example: the interface's own text, else the model's description.
    const help = hasText(`cfhelp.${key}`) ? t(`cfhelp.${key}`) : (s.description || raw.description || "");
    if (help) input.setAttribute("aria-describedby", `${id}-help`);
    el.append(h("div.form-row", {}, label, input));
    if (help) el.append(h("div.field-help.muted", { id: `${id}-help`, text: help }));
  }
  return { el, read: () => { const out = {}; readers.forEach((r) => r(out)); return out; } };
}
