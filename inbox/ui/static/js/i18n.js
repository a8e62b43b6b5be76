// Interface text in English and Chinese. The language defaults from navigator.language and can be switched;
// the choice is kept in localStorage.
import { EN, ZH } from "./strings.js";

const LANG_KEY = "inbox.lang";
const TABLES = { en: EN, zh: ZH };
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
  const text = TABLES[lang][key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
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
