// Untrusted text that carries explicit bidi controls displays differently from what was stored: U+202E RIGHT-TO-LEFT
// OVERRIDE makes "invoice<U+202E>fdp.exe" look like "invoiceexe.pdf". Every untrusted run is isolated (<bdi dir=auto>, or
// dir=auto + CSS unicode-bidi: isolate) so it cannot reorder the page around it, and the controls themselves are
// shown as visible marks, so the text reads in the order it was stored.
import { h } from "./dom.js";
import { t } from "./i18n.js";

const NAMES = {
  "\u202A": "LRE", "\u202B": "RLE", "\u202C": "PDF", "\u202D": "LRO", "\u202E": "RLO",
  "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
  "\u200E": "LRM", "\u200F": "RLM", "\u061C": "ALM",
};
// Embeddings, overrides and isolates reorder strong characters; the marks (LRM, RLM, ALM) only steer neutral ones
// and are common in right-to-left writing, so message text keeps them and names show them too.
const EXPLICIT = /[\u202A-\u202E\u2066-\u2069]/;
const ANY = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

export function hasBidiControls(text, { marks = true } = {}) {
  return (marks ? ANY : EXPLICIT).test(String(text ?? ""));
}

/** The text as nodes, each control of the chosen kind replaced by a visible mark (⟨RLO⟩) named in its title. */
export function bidiNodes(text, { marks = true } = {}) {
  const nodes = [];
  let run = "";
  for (const ch of String(text ?? "")) {
    if (NAMES[ch] && (marks || EXPLICIT.test(ch))) {
      if (run) nodes.push(document.createTextNode(run));
      run = "";
      const code = ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      nodes.push(h("span.bidi-ctl", { dir: "ltr", title: t("bidi.control", { name: NAMES[ch], code }),
        text: `⟨${NAMES[ch]}⟩` }));
    } else {
      run += ch;
    }
  }
  if (run) nodes.push(document.createTextNode(run));
  return nodes;
}

/** A name, subject or other short untrusted label: isolated, every bidi control visible. `spec` as for h(). */
export function isolated(spec, text, attrs = {}) {
  return h(spec.startsWith(".") ? `bdi${spec}` : spec, { dir: "auto", ...attrs }, bidiNodes(text));
}

/** A file name: isolated, controls visible, and a warning flag when it has any (a disguised extension). */
export function fileName(name) {
  const flagged = hasBidiControls(name);
  return h("span.file-name", {},
    isolated(".name", name),
    flagged ? h("span.bidi-flag", { role: "img", title: t("bidi.fileName"), "aria-label": t("bidi.fileName"),
      text: "⚠" }) : null);
}
