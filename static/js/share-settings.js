// A link's settings form (templates/files/_share_settings_fields.html), as the share dialog
// (share-dialog.js) and My shares' Edit (shares-page.js) both use it: its password state, and
// sending it to Drive's JSON endpoint (files/panel_views.py), a refused value's message next to
// its field.
import { api } from "./ui.js";

// Which field a refusal is about, from its code (Drive's own or the PDS's).
const FIELDS = {
  expires_on: "expires_on",
  Expiration: "expires_on",
  password: "password",
  SharePwd: "password",
  download_limit: "download_limit",
};

export function clearShareErrors(form) {
  for (const note of form.querySelectorAll("[data-error-for]")) note.textContent = "";
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

// An empty password field; with a link that has a password, "leave empty to keep it" and Remove.
export function showPasswordState(form, hasPassword) {
  form.elements.password.value = "";
  form.elements.remove_password.checked = false;
  form.querySelector("[data-share-remove-pwd]").hidden = !hasPassword;
  form.querySelector("[data-hint-new]").hidden = hasPassword;
  form.querySelector("[data-hint-kept]").hidden = !hasPassword;
}

// Show `message` next to the field `name` ("" for the form's own line), and focus that field.
export function showShareError(form, name, message) {
  form.querySelector(`[data-error-for="${name}"]`).textContent = message;
  if (name) {
    form.elements[name].setAttribute("aria-invalid", "true");
    form.elements[name].focus();
  }
}

// POST the form's settings to `url` (a new link, or a link's update); resolves to the link as
// the server answers it, or to null when it was refused (the message then shows in the form).
export async function submitShareSettings(form, url) {
  clearShareErrors(form);
  const values = {
    expires_on: form.elements.never?.checked ? "" : form.elements.expires_on.value,
    password: form.elements.password.value,
    remove_password: form.elements.remove_password.checked,
    download_limit: form.elements.download_limit.value || "0",
  };
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    return (await api("POST", url, values)).share;
  } catch (error) {
    showShareError(form, FIELDS[(error.code || "").split(".").pop()] || "", error.message);
    return null;
  } finally {
    submit.disabled = false;
  }
}
