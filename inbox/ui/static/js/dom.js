// DOM helpers. Untrusted text only ever goes in through textContent / attribute values: never innerHTML.
import { timeLocale } from "./i18n.js";

/** h("div.cls#id", {attrs, on: {click}}, ...children) -> Element. Strings become text nodes. */
export function h(spec, attrs = {}, ...children) {
  if (attrs instanceof Node || typeof attrs === "string" || Array.isArray(attrs)) {
    children.unshift(attrs); // h("p", child, ...) without attributes
    attrs = {};
  }
  const [tagAndClasses, id] = spec.split("#");
  const [tag, ...classes] = tagAndClasses.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  if (id) el.id = id;
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value; // properties such as checked, value, hidden, disabled
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replace el's children (nulls and falses skipped, unlike the DOM's own append). */
export function fill(el, ...children) {
  return append(clear(el), children);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  const { locale, hour12 } = timeLocale(); // Chinese: 24-hour times whatever the browser's own locale
  const time = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hour12 });
  return sameDay ? time : `${d.toLocaleDateString(locale, { month: "short", day: "numeric" })} ${time}`;
}

export function toast(message, { onClick = null, kind = "info", ms = 6000 } = {}) {
  const box = document.getElementById("toasts");
  const el = h(`div.toast.${kind}`, { role: "status", text: message });
  if (onClick) {
    el.classList.add("clickable");
    el.addEventListener("click", () => { onClick(); el.remove(); });
  }
  box.append(el);
  setTimeout(() => el.remove(), ms);
}
