// /diary/: the exchange diary of one match, for the holder of a private link `/diary/#t=<token>`.
// The token arrives in the fragment (no server or CDN log sees it), is moved to memory and this
// tab's sessionStorage and taken out of the address bar at once; it goes
// to the API in an Authorization header and is never put in a URL query, the DOM or the console.
// Everything the API returns that a person wrote is inserted with textContent, never as HTML.

import {
  SENDING,
  clearAll,
  clearField,
  enhanceSummary,
  newSubmissionId,
  setStatus,
  showFailure,
} from "./form-feedback.js";

const root = document.getElementById("diary");
const API = root ? root.dataset.api : "/api";

const LOADING = "読み込んでいます…";

const KEPT = "mikke-diary-token";

/**
 * The token from `#t=...`, or null. Read once, then taken out of the address bar (so it is
 * not in the history list, a screenshot or a copied address) and kept for this tab only in
 * sessionStorage, so a reload still opens the diary; closing the tab forgets it.
 */
function readToken() {
  const valid = (t) => (t && /^[A-Za-z0-9_\-.=]+$/.test(t) ? t : null);
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const fromLink = valid(params.get("t"));
  if (fromLink) {
    try {
      sessionStorage.setItem(KEPT, fromLink);
    } catch {
      // Storage refused (private mode): the diary still works until the page is left.
    }
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return fromLink;
  }
  try {
    return valid(sessionStorage.getItem(KEPT));
  } catch {
    return null;
  }
}

const token = readToken();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  // What people wrote keeps its own direction and cannot reorder what is around it.
  if (className === "diary-text") node.dir = "auto";
  return node;
}

/** `2026-01-02T00:00:00.500000000Z` → 2026年1月2日 9:00 (the reader's time zone). */
function formatDate(text) {
  if (!text) return "";
  const date = new Date(String(text).replace(/(\.\d{3})\d+/, "$1"));
  if (Number.isNaN(date.getTime())) return String(text);
  return new Intl.DateTimeFormat("ja-JP", { dateStyle: "long", timeStyle: "short" }).format(date);
}

function show(id) {
  for (const other of ["diary-invalid", "diary-unavailable", "diary-thread"]) {
    document.getElementById(other).hidden = other !== id;
  }
}

/** A friendly message only: nothing of the thread stays on the page. */
function showInvalid() {
  try {
    sessionStorage.removeItem(KEPT);
  } catch {
    // Nothing kept.
  }
  document.getElementById("diary-sheets").replaceChildren();
  document.getElementById("diary-next").hidden = true;
  show("diary-invalid");
  pageStatus("");
}

function pageStatus(text) {
  // Never hidden: a live region must stay rendered for screen readers to announce changes.
  document.getElementById("diary-status").textContent = text;
}

async function call(method, path, body) {
  const headers = { accept: "application/json", authorization: `Bearer ${token}` };
  if (body) headers["content-type"] = "application/json";
  try {
    return await fetch(`${API}${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    return null;
  }
}

/**
 * Posts `body()` from `form`; a retry after a network failure, 429 or 5xx reuses the same
 * submission_id so the handler stores one sheet or reply. Resolves true on 201.
 */
async function submit(form, path, body) {
  const button = form.querySelector('button[type="submit"]');
  const idInput = form.elements.namedItem("submission_id");
  if (!idInput.value) idInput.value = newSubmissionId();
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  setStatus(form, SENDING, false);
  const response = await call("POST", path, body());
  try {
    if (response && response.status === 201) {
      idInput.value = "";
      clearAll(form);
      setStatus(form, "", false);
      return true;
    }
    if (response && (response.status === 403 || response.status === 401)) {
      showInvalid();
      return false;
    }
    await showFailure(form, response);
    return false;
  } finally {
    button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

// ---- rendering ----

function entry(list, label, text) {
  if (text === null || text === undefined || text === "") return;
  list.append(el("dt", "", label), el("dd", "diary-text", text));
}

function replyForm(session) {
  const id = `reply-${session}`;
  const form = el("form", "form diary-reply-form");
  form.noValidate = true;
  const field = el("div", "field");
  const label = el("label", "field__label", "お返事");
  label.htmlFor = `f-${id}`;
  label.append(el("span", "req", "必須"));
  const help = el("p", "field__help", "メンティーに届きます。面談のふりかえりへの感想や、次へのヒントをお書きください（4000文字まで）。");
  help.id = `${id}-help`;
  const textarea = el("textarea", "field__input");
  Object.assign(textarea, { id: `f-${id}`, name: "reply", rows: 5, maxLength: 4000, required: true });
  textarea.setAttribute("aria-describedby", help.id);
  const error = el("p", "field__error");
  error.id = `${id}-error`;
  error.dataset.errorFor = "reply";
  error.hidden = true;
  const sessionError = el("p", "field__error");
  sessionError.id = `${id}-session-error`;
  sessionError.dataset.errorFor = "session";
  sessionError.hidden = true;
  field.append(label, help, textarea, error, sessionError);
  const submissionId = el("input");
  Object.assign(submissionId, { type: "hidden", name: "submission_id", value: "" });
  const actions = el("div", "form-actions");
  const status = el("p", "form-status");
  status.dataset.status = "";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const button = el("button", "button button--primary", "お返事を送る");
  button.type = "submit";
  actions.append(status, button);
  form.append(field, submissionId, actions);
  form.addEventListener("input", () => clearField(form, "reply"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    const ok = await submit(form, "/sheets/reply", () => ({
      session,
      reply: textarea.value.trim(),
      submission_id: submissionId.value,
    }));
    if (ok) await load(`第${session}回のシートにお返事を送りました。`);
  });
  return form;
}

function sheetItem(sheet, role) {
  const li = el("li", "diary-sheet");
  li.id = `session-${sheet.session}`;
  const head = el("div", "diary-sheet__head");
  head.append(el("h3", "diary-sheet__title", `第${sheet.session}回のシート`));
  const when = el("p", "diary-sheet__date", formatDate(sheet.submitted_at));
  head.append(when);
  li.append(head);
  const body = el("dl", "diary-sheet__body");
  entry(body, "気づき", sheet.reflections);
  entry(body, "メンターが教えてくれた強み", sheet.strengths);
  entry(body, "次に取り組むこと", sheet.next_actions);
  if (role === "mentee") {
    if (sheet.satisfaction) entry(body, "満足度（スタッフのみ）", `5段階で${sheet.satisfaction}`);
    if (sheet.want_staff_contact) entry(body, "スタッフへの連絡", "希望しました");
  }
  li.append(body);
  const reply = el("section", "diary-reply");
  reply.setAttribute("aria-label", `第${sheet.session}回のお返事`);
  if (sheet.reply) {
    reply.append(el("h4", "diary-reply__title", "メンターからのお返事"));
    reply.append(el("p", "diary-sheet__date", formatDate(sheet.reply.replied_at)));
    reply.append(el("p", "diary-text", sheet.reply.text));
  } else if (role === "mentor") {
    reply.append(el("h4", "diary-reply__title", "お返事を書く"));
    reply.append(replyForm(sheet.session));
  } else {
    reply.classList.add("diary-reply--waiting");
    reply.append(el("p", "", "メンターからのお返事をお待ちください。届いたらこのページに表示されます。"));
  }
  li.append(reply);
  return li;
}

function render(data) {
  const role = data.role === "mentor" ? "mentor" : "mentee";
  const m = data.match || {};
  const thread = document.getElementById("diary-thread");
  thread.querySelector("[data-heading]").textContent =
    role === "mentor" ? "担当メンティーとのメンタリング（メンター用）" : "あなたのメンタリング";
  thread.querySelector("[data-mentor-name]").textContent = m.mentor_name || "";
  thread.querySelector("[data-plan]").textContent = m.plan_label || m.plan || "";
  thread.querySelector("[data-sessions]").textContent =
    `全${m.sessions}回のうち${m.sessions_used}回分を提出済み`;
  thread.querySelector("[data-closed]").hidden = m.status !== "closed";

  const sheets = Array.isArray(data.sheets) ? [...data.sheets] : [];
  sheets.sort((a, b) => a.session - b.session);
  const list = document.getElementById("diary-sheets");
  list.replaceChildren(...sheets.map((s) => sheetItem(s, role)));
  const empty = thread.querySelector("[data-empty]");
  empty.hidden = sheets.length > 0;
  empty.textContent =
    role === "mentor"
      ? "まだシートは届いていません。メンティーがシートを送ると、ここに表示されます。"
      : "まだシートはありません。面談が終わったら、下のフォームから第1回のシートを送ってください。";

  const next = document.getElementById("diary-next");
  const open = role === "mentee" && m.status !== "closed" && Number.isInteger(data.next_session);
  next.hidden = !open;
  if (open) {
    const form = document.getElementById("sheet-form");
    const session = String(data.next_session);
    if (form.elements.namedItem("session").value !== session) {
      // A new session: a fresh form (and later a fresh submission_id).
      form.reset();
      form.elements.namedItem("submission_id").value = "";
      clearAll(form);
    }
    form.elements.namedItem("session").value = session;
    next.querySelector("[data-next-session]").textContent = session;
  }
  show("diary-thread");
}

async function load(done) {
  pageStatus(LOADING);
  const response = await call("GET", "/diary");
  if (response && response.ok) {
    const data = await response.json().catch(() => null);
    if (data) {
      render(data);
      pageStatus(done || "");
      return;
    }
  }
  if (response && (response.status === 403 || response.status === 401)) showInvalid();
  else {
    show("diary-unavailable");
    pageStatus("");
  }
}

function enhanceSheetForm() {
  const form = document.getElementById("sheet-form");
  form.noValidate = true;
  enhanceSummary(form);
  form.addEventListener("change", (event) => {
    if (event.target.name) clearField(form, event.target.name);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    const value = (name) => form.elements.namedItem(name).value.trim();
    const checked = form.querySelector('input[name="satisfaction"]:checked');
    const session = value("session");
    const ok = await submit(form, "/sheets", () => {
      const body = {
        session: Number(session),
        reflections: value("reflections"),
        want_staff_contact: form.elements.namedItem("want_staff_contact").checked,
        submission_id: value("submission_id"),
      };
      if (checked) body.satisfaction = Number(checked.value);
      for (const name of ["strengths", "next_actions"]) if (value(name)) body[name] = value(name);
      return body;
    });
    if (ok) {
      await load(`第${session}回のシートを送りました。メンターからのお返事をお待ちください。`);
      const sent = document.getElementById(`session-${session}`);
      if (sent) {
        sent.tabIndex = -1;
        sent.focus();
      }
    }
  });
}

if (root) {
  // Another link opened in the same tab changes only the fragment: start over with it.
  window.addEventListener("hashchange", () => {
    if (/[#&]t=/.test(window.location.hash)) window.location.reload();
  });
  if (!token) {
    showInvalid();
  } else {
    enhanceSheetForm();
    load();
  }
}
