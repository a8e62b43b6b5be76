// Boot: sign-in, the top bar, hash routing between the inbox and the admin pages, keyboard help.
import { api, ApiError, get, session, setUnauthorizedHandler } from "./api.js";
import { $, clear, h, toast } from "./dom.js";
import * as events from "./events.js";
import { applyStatic, currentLang, fillLangSelect, onLangChange, setLang, t } from "./i18n.js";
import { mountInbox } from "./inbox.js";
import { mountAdmin } from "./admin.js";
import { mountContact } from "./contacts.js";
import { openSettings as openNotifySettings } from "./notifications.js";
import { SHORTCUTS } from "./keys.js";

let unmount = () => {};

function showLogin(message = "") {
  unmount(); // first, so the open conversation can still tell the others we left
  unmount = () => {};
  events.disconnect();
  session.agent = null;
  $("#shell").hidden = true;
  $("#login").hidden = false;
  const error = $("#login-error");
  error.hidden = !message;
  error.textContent = message;
  $("#login-email").focus();
}

async function login(event) {
  event.preventDefault();
  const email = $("#login-email").value.trim();
  const password = $("#login-password").value;
  const error = $("#login-error");
  try {
    // "cookie": the server keeps the session in an HttpOnly cookie shared by every tab; no token reaches the page.
    const body = await api("POST", "/api/v1/auth/login", { email, password, session: "cookie" });
    session.agent = body.agent;
    $("#login-password").value = "";
    error.hidden = true;
    await startShell();
  } catch (e) {
    error.hidden = false;
    if (e instanceof ApiError && e.status === 429) error.textContent = t("login.throttled", { seconds: e.retryAfter });
    else error.textContent = e instanceof ApiError && e.status === 401 ? t("login.wrong") : t("login.failed");
  }
}

async function startShell() {
  if (!session.agent) session.agent = (await get("/api/v1/me")).agent;
  $("#login").hidden = true;
  $("#shell").hidden = false;
  $("#me").textContent = session.agent.name;
  $("#me").title = `${session.agent.email} · ${session.agent.role}`;
  $("#nav-admin").hidden = !session.isAdmin;
  events.connect();
  route();
}

function route() {
  if ($("#shell").hidden) return;
  unmount();
  const view = clear($("#view"));
  const hash = location.hash || "#/inbox";
  const isAdmin = hash.startsWith("#/admin") && session.isAdmin;
  $("#nav-inbox").classList.toggle("active", !isAdmin);
  $("#nav-admin").classList.toggle("active", isAdmin);
  const mount = isAdmin ? mountAdmin : hash.startsWith("#/contacts/") ? mountContact : mountInbox;
  unmount = mount(view, hash);
}

function fillHelp() {
  const list = clear($("#help-list"));
  for (const [key, label] of SHORTCUTS) list.append(h("dt", {}, h("kbd", { text: key })), h("dd", { text: t(label) }));
}

export function showHelp() {
  fillHelp();
  const dialog = $("#help");
  if (!dialog.open) dialog.showModal();
}

function connectionBadge(state) {
  const el = $("#conn-state");
  el.textContent = state === "open" ? t("conn.live") : t("conn.offline");
  el.classList.toggle("offline", state !== "open");
}

function init() {
  for (const select of document.querySelectorAll(".lang-select")) {
    fillLangSelect(select);
    select.addEventListener("change", () => setLang(select.value));
  }
  onLangChange(() => {
    document.documentElement.lang = currentLang() === "zh" ? "zh-CN" : "en";
    applyStatic(document);
    for (const select of document.querySelectorAll(".lang-select")) select.value = currentLang();
    connectionBadge(events.isOpen() ? "open" : "closed");
    route();
  });
  applyStatic(document);
  document.documentElement.lang = currentLang() === "zh" ? "zh-CN" : "en";
  $("#login-form").addEventListener("submit", login);
  $("#logout").addEventListener("click", async () => {
    try { await api("POST", "/api/v1/auth/logout"); } catch { /* the session is dropped either way */ }
    showLogin();
  });
  $("#help-button").addEventListener("click", showHelp);
  $("#notify-button").addEventListener("click", openNotifySettings);
  document.addEventListener("inbox:help", showHelp);
  events.on("state", connectionBadge);
  events.on("ended", () => showLogin(t("login.expired")));
  events.on("mention", (f) => toast(t("mention.toast", { by: f.by }), {
    kind: "mention", onClick: () => { location.hash = `#/inbox/${f.conversation_id}`; } }));
  setUnauthorizedHandler(() => showLogin(t("login.expired")));
  window.addEventListener("hashchange", route);
  // Another tab may have signed in already: the session cookie is the browser's, so ask who we are first.
  startShell().catch(() => showLogin());
}

init();
