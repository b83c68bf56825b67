// Progressive enhancement for the site's forms (form[data-form]). Without this script the
// forms post as plain HTML forms and the handler answers with a redirect or an error page.
// With it: the body goes as JSON by fetch, the handler's Japanese messages appear beside
// their fields, the button is guarded against double clicks, and a retry after a network
// failure, 429 or 5xx reuses the same submission_id, so the handler stores one record.

const SENDING = "送信しています…";
const RETRY =
  "送信できませんでした。通信状況をご確認のうえ、もう一度ボタンを押してください。入力した内容はそのまま残っています。";
const BUSY =
  "ただいま混み合っています。少し待ってから、もう一度ボタンを押してください。入力した内容はそのまま残っています。";
const CHECK = "入力内容に誤りがあります。各項目のメッセージをご確認ください。";

/** A fresh idempotency key; kept in the hidden input for the whole fill, retries included. */
function newSubmissionId() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The form as the handler's JSON: checkbox groups and repeated selects become lists (blank
 * entries dropped), the consent checkbox a boolean, blank texts are left out.
 */
export function formToJson(form) {
  const body = {};
  const counts = {};
  for (const el of form.elements) if (el.name) counts[el.name] = (counts[el.name] || 0) + 1;
  for (const el of form.elements) {
    const name = el.name;
    if (!name || el.disabled || el.type === "submit" || el.type === "button") continue;
    if (name === "consent") {
      body.consent = el.checked;
      continue;
    }
    const isList = el.type === "checkbox" || (el.tagName === "SELECT" && counts[name] > 1);
    if (isList) {
      if (!body[name]) body[name] = [];
      if (el.type === "checkbox" ? el.checked : el.value !== "") body[name].push(el.value);
      continue;
    }
    if (el.type === "radio" && !el.checked) continue;
    const value = el.value.trim();
    if (value !== "") body[name] = value;
  }
  return body;
}

function inputsOf(form, name) {
  return Array.from(form.elements).filter((el) => el.name === name);
}

function describe(el, id, add) {
  const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const next = add ? [...new Set([...ids, id])] : ids.filter((i) => i !== id);
  if (next.length) el.setAttribute("aria-describedby", next.join(" "));
  else el.removeAttribute("aria-describedby");
}

function clearField(form, name) {
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

function clearAll(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) clearField(form, slot.dataset.errorFor);
  const summary = form.querySelector("[data-summary]");
  if (summary) {
    summary.hidden = true;
    summary.querySelector("ul").replaceChildren();
  }
}

/** Shows each message beside its field and in the summary; focuses the first bad field. */
function showErrors(form, fields) {
  clearAll(form);
  const summary = form.querySelector("[data-summary]");
  const list = summary && summary.querySelector("ul");
  let first = null;
  // The form's order, not the body's: the summary reads top to bottom like the page.
  const names = Object.keys(fields);
  const order = (n) => {
    const el = inputsOf(form, n)[0];
    return el ? Array.prototype.indexOf.call(form.elements, el) : Infinity;
  };
  names.sort((a, b) => order(a) - order(b));
  for (const name of names) {
    const message = fields[name];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const inputs = inputsOf(form, name).filter((el) => el.type !== "hidden");
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
    }
    for (const el of inputs) {
      el.setAttribute("aria-invalid", "true");
      if (slot) describe(el, slot.id, true);
    }
    if (!first && inputs[0]) first = inputs[0];
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
  if (summary) summary.hidden = false;
  if (first) first.focus();
  else if (summary) summary.focus();
}

function setStatus(form, text, isError) {
  const status = form.querySelector("[data-status]");
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("form-status--error", Boolean(isError));
}

async function send(form, button) {
  const idInput = form.elements.namedItem("submission_id");
  if (idInput && !idInput.value) idInput.value = newSubmissionId();
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  setStatus(form, SENDING, false);
  let response;
  try {
    response = await fetch(form.action, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(formToJson(form)),
      credentials: "same-origin",
    });
  } catch {
    response = null;
  }
  try {
    if (response && response.status === 201) {
      setStatus(form, "送信しました。", false);
      window.location.assign(form.dataset.thanks);
      return; // the button stays disabled: the page is leaving
    }
    let body = null;
    if (response) body = await response.json().catch(() => null);
    if (response && response.status === 422 && body && body.fields) {
      setStatus(form, CHECK, true);
      showErrors(form, body.fields);
    } else if (!response || response.status === 429 || response.status >= 500) {
      // Same submission_id on the next press: a request that did arrive is not stored twice.
      setStatus(form, response && response.status === 429 ? BUSY : RETRY, true);
    } else {
      setStatus(form, (body && body.message) || RETRY, true);
    }
  } finally {
    if (!response || response.status !== 201) {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }
}

function preselectMentor(form) {
  const slug = new URLSearchParams(window.location.search).get("mentor");
  if (!slug) return;
  const first = inputsOf(form, "preferred_mentors")[0];
  if (first && Array.from(first.options).some((o) => o.value === slug)) first.value = slug;
}

export function enhance(form) {
  form.noValidate = true; // the handler's messages, not the browser's bubbles
  const button = form.querySelector('button[type="submit"]');
  if (form.dataset.form === "application") preselectMentor(form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (button.disabled) return;
    send(form, button);
  });
  form.addEventListener("change", (event) => {
    if (event.target.name) clearField(form, event.target.name);
  });
}

for (const form of document.querySelectorAll("form[data-form]")) enhance(form);
