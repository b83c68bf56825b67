// What every enhanced form on the site tells its user, in one place: the status line, the
// handler's Japanese messages beside their fields (and in the summary), and the idempotency
// key a retry reuses. Used by forms.js (the application and inquiry forms) and diary.js (the
// mentoring sheet and the mentor's reply); both build their forms with components/form.html's markup.

export const SENDING = "送信しています…";
export const RETRY =
  "送信できませんでした。通信状況をご確認のうえ、もう一度ボタンを押してください。入力した内容はそのまま残っています。";
export const BUSY =
  "ただいま混み合っています。少し待ってから、もう一度ボタンを押してください。入力した内容はそのまま残っています。";
export const CHECK = "入力内容に誤りがあります。各項目のメッセージをご確認ください。";

/** A fresh idempotency key; kept in the hidden input for the whole fill, retries included. */
export function newSubmissionId() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The visible controls named `name` (hidden inputs carry no message). */
export function inputsOf(form, name) {
  return Array.from(form.elements).filter((el) => el.name === name && el.type !== "hidden");
}

function describe(el, id, add) {
  const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const next = add ? [...new Set([...ids, id])] : ids.filter((i) => i !== id);
  if (next.length) el.setAttribute("aria-describedby", next.join(" "));
  else el.removeAttribute("aria-describedby");
}

export function clearField(form, name) {
  const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  if (slot) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const el of inputsOf(form, name)) {
    el.removeAttribute("aria-invalid");
    if (slot) describe(el, slot.id, false);
  }
}

export function clearAll(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) clearField(form, slot.dataset.errorFor);
  const summary = form.querySelector("[data-summary]");
  if (summary) {
    summary.hidden = true;
    summary.querySelector("ul").replaceChildren();
  }
}

/** Shows each message beside its field and in the summary, and focuses the summary (or, with
 *  none, the first bad field). */
export function showErrors(form, fields) {
  clearAll(form);
  const summary = form.querySelector("[data-summary]");
  const list = summary && summary.querySelector("ul");
  let first = null;
  // The form's order, not the body's: the summary reads top to bottom like the page.
  const order = (n) => {
    const el = inputsOf(form, n)[0];
    return el ? Array.prototype.indexOf.call(form.elements, el) : Infinity;
  };
  const names = Object.keys(fields).sort((a, b) => order(a) - order(b));
  for (const name of names) {
    const message = fields[name];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const inputs = inputsOf(form, name);
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
    }
    for (const el of inputs) {
      el.setAttribute("aria-invalid", "true");
      if (slot) describe(el, slot.id, true);
    }
    if (!first && inputs[0]) first = inputs[0];
    // Radio and checkbox groups have no id of their own: their first choice gets one, so
    // every entry of the summary links to its field.
    if (inputs[0] && !inputs[0].id && !document.getElementById(`f-${name}`)) inputs[0].id = `f-${name}`;
    if (list) {
      const li = document.createElement("li");
      if (inputs[0] && inputs[0].id) {
        const a = document.createElement("a");
        a.href = `#${inputs[0].id}`;
        a.textContent = message;
        li.append(a);
      } else {
        li.textContent = message;
      }
      list.append(li);
    }
  }
  // The summary takes the focus (the GOV.UK pattern): a screen reader hears every problem,
  // a sighted user sees the list instead of a field halfway down the page; each entry leads on.
  if (summary) {
    summary.hidden = false;
    summary.focus();
  } else if (first) first.focus();
}

/** A summary entry focuses its field (a plain fragment link would only scroll to it). */
function followSummaryLink(event) {
  const link = event.target.closest("a[href^='#']");
  const target = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  target.focus();
}

/** Wires the summary's links once per form (forms.js and diary.js call it on start). */
export function enhanceSummary(form) {
  const summary = form.querySelector("[data-summary]");
  if (summary) summary.addEventListener("click", followSummaryLink);
}

/** The form's status line (`[data-status]`); an error is styled as one. */
export function setStatus(form, text, isError) {
  const status = form.querySelector("[data-status]");
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("form-status--error", Boolean(isError));
}

/**
 * Tells the user why a post did not succeed (`response` null: it never arrived): the field
 * messages of a 422, "try again" after a network failure, 429 or 5xx (the same submission_id
 * goes with the next press, so a request that did arrive is not stored twice), else the
 * handler's own message.
 */
export async function showFailure(form, response) {
  const body = response ? await response.json().catch(() => null) : null;
  if (response && response.status === 422 && body && body.fields) {
    setStatus(form, CHECK, true);
    showErrors(form, body.fields);
  } else if (!response || response.status === 429 || response.status >= 500) {
    setStatus(form, response && response.status === 429 ? BUSY : RETRY, true);
  } else {
    setStatus(form, (body && body.message) || RETRY, true);
  }
}
