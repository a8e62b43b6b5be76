// Keyboard shortcuts for the common moves; ignored while typing in a field (Escape leaves the field).

export const SHORTCUTS = [
  ["j", "keys.next"], ["k", "keys.prev"], ["r", "keys.reply"], ["n", "keys.note"], ["e", "keys.resolve"],
  ["a", "keys.assignMe"], ["/", "keys.search"], ["?", "keys.help"], ["Esc", "keys.escape"],
];

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** handlers: {next, prev, reply, note, resolve, assignMe, search, help}; returns the function that removes them. */
export function bindKeys(handlers) {
  const table = { j: "next", k: "prev", r: "reply", n: "note", e: "resolve", a: "assignMe", "/": "search", "?": "help" };
  const listener = (event) => {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const name = table[event.key];
    if (name && handlers[name]) {
      event.preventDefault();
      handlers[name]();
    }
  };
  document.addEventListener("keydown", listener);
  return () => document.removeEventListener("keydown", listener);
}
