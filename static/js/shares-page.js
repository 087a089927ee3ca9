// My shares (templates/files/shares.html): each link's Edit dialog changes its expiry (a day,
// or never), its password (a new one, or none) and its download limit, through the share
// dialog's JSON endpoint (files/panel_views.py share_update); a refused value's message shows
// next to its field, and the row shows the new settings.
import { toast } from "./ui.js";
import { markReady } from "./ready.js";
import { clearShareErrors, showPasswordState, showShareError, submitShareSettings } from "./share-settings.js";

const dialog = document.getElementById("share-edit");
const form = dialog.querySelector("[data-share-edit-form]");
const never = form.elements.never;
let editing = null; // the Edit button of the link being edited

function neverChanged() {
  form.elements.expires_on.disabled = never.checked;
}

function open(button) {
  editing = button;
  const data = button.dataset;
  clearShareErrors(form);
  dialog.querySelector("[data-share-edit-name]").textContent = data.name;
  never.checked = !data.expiresOn;
  form.elements.expires_on.value = data.expiresOn;
  neverChanged();
  showPasswordState(form, Boolean(data.hasPwd));
  form.elements.download_limit.value = data.downloadLimit || "0";
  dialog.showModal();
  (never.checked ? never : form.elements.expires_on).focus();
}

function showRow(share) {
  const data = editing.dataset;
  data.expiresOn = share.expires_on;
  data.hasPwd = share.has_pwd ? "1" : "";
  data.downloadLimit = String(share.download_limit);
  const row = editing.closest("tr");
  row.querySelector("[data-share-expires]").textContent = share.expires_on ? `${share.expires_on} 23:59` : dialog.dataset.labelNever;
  const downloads = row.querySelector("[data-share-downloads]");
  downloads.textContent = share.download_limit ? `${share.download_count} / ${share.download_limit}` : String(share.download_count);
  const lock = row.querySelector("[data-share-locked]");
  if (lock) lock.hidden = !share.has_pwd;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearShareErrors(form);
  if (!never.checked && !form.elements.expires_on.value) {
    showShareError(form, "expires_on", dialog.dataset.labelNeedDay);
    return;
  }
  const url = dialog.dataset.update.replace("SHARE_ID", encodeURIComponent(editing.dataset.shareId));
  const share = await submitShareSettings(form, url);
  if (!share) return;
  showRow(share);
  dialog.close();
  toast(dialog.dataset.labelSaved);
});

never.addEventListener("change", neverChanged);
// A field changed: its old refusal no longer applies.
form.addEventListener("input", (event) => {
  const name = event.target === never ? "expires_on" : event.target.name;
  const field = form.elements[name];
  form.querySelector(`[data-error-for="${name}"]`)?.replaceChildren();
  if (field instanceof Element) field.removeAttribute("aria-invalid");
});
dialog.querySelector("[data-share-edit-cancel]").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => editing?.focus());
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-share-edit]");
  if (button) open(button);
});
markReady("shares-page");
