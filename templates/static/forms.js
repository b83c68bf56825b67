// Progressive enhancement for the site's forms (form[data-form]). Without this script the
// forms post as plain HTML forms and the handler answers with a redirect or an error page.
// With it: the body goes as JSON by fetch, the handler's Japanese messages appear beside
// their fields, the button is guarded against double clicks, and a retry after a network
// failure, 429 or 5xx reuses the same submission_id, so the handler stores one record.

import {
  SENDING,
  clearField,
  enhanceSummary,
  inputsOf,
  newSubmissionId,
  setStatus,
  showFailure,
} from "./form-feedback.js";

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
    await showFailure(form, response);
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
  if (!first) return;
  // A large directory asks for IDs in text boxes; a small one lists its mentors.
  if (first.tagName !== "SELECT") first.value = slug;
  else if (Array.from(first.options).some((o) => o.value === slug)) first.value = slug;
}

/** Today in Japan as YYYY-MM-DD (the briefing dates' calendar), whatever the device's zone. */
export function japanToday(now = new Date()) {
  return new Date(now.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Briefing dates that have passed are hidden (the page was built earlier; the handler also
 *  refuses them). */
function hidePastDates(form) {
  const today = japanToday();
  for (const input of inputsOf(form, "briefing_date")) {
    if (input.value < today) {
      input.disabled = true;
      input.closest("label").hidden = true;
    }
  }
}

export function enhance(form) {
  form.noValidate = true; // the handler's messages, not the browser's bubbles
  enhanceSummary(form);
  const button = form.querySelector('button[type="submit"]');
  if (form.dataset.form === "application") preselectMentor(form);
  hidePastDates(form);
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
