// Interface text in English and Chinese. The language defaults from navigator.language and can be switched;
// the choice is kept in localStorage.
import { EN, ZH } from "./strings.js";
import { EN_MORE, ZH_MORE } from "./strings_contacts.js";
import { EN_SLA, ZH_SLA } from "./strings_sla.js";
import { EN_CLASSIFIER, ZH_CLASSIFIER } from "./strings_classifier.js";

const LANG_KEY = "inbox.lang";
const TABLES = {
  en: { ...EN, ...EN_MORE, ...EN_SLA, ...EN_CLASSIFIER },
  zh: { ...ZH, ...ZH_MORE, ...ZH_SLA, ...ZH_CLASSIFIER },
};
const listeners = new Set();

function initial() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && TABLES[saved]) return saved;
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

let lang = initial();

export function currentLang() { return lang; }

export function setLang(next) {
  if (!TABLES[next] || next === lang) return;
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  listeners.forEach((fn) => fn(next));
}

export function onLangChange(fn) { listeners.add(fn); }

/** t("guard.private", {kinds}) -> the string in the current language with {kinds} filled in. */
export function t(key, params = {}) {
  const text = TABLES[lang][key] ?? TABLES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Whether a string exists (optional texts such as a connector field's help). */
export function hasText(key) { return key in TABLES[lang] || key in TABLES.en; }

/** The plural form of `key` for n: "key.one" / "key.other" by the language's plural rules, else "key" itself. */
export function tn(key, n, params = {}) {
  const form = new Intl.PluralRules(lang === "zh" ? "zh-CN" : "en").select(n);
  const chosen = hasText(`${key}.${form}`) ? `${key}.${form}` : key;
  return t(chosen, { n, ...params });
}

/** Times in the interface language: 24-hour clock in Chinese, the browser's habit in English. */
export function timeLocale() {
  return lang === "zh" ? { locale: "zh-CN", hour12: false } : { locale: undefined, hour12: undefined };
}

export function applyStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t("app.title");
}

export function fillLangSelect(select) {
  select.replaceChildren(...[["en", "English"], ["zh", "中文"]].map(([v, label]) => {
    const option = document.createElement("option");
    option.value = v;
    option.textContent = label;
    option.selected = v === lang;
    return option;
  }));
}
