// The share dialog, on drive:action "share" (detail.shareId picks one of the item's links):
// create a link with an expiry day, a password and a download limit; then its address with a
// Copy button, and its settings, which can be changed and saved. Through the JSON endpoints
// of files/panel_views.py; a refused value's message shows next to its field.
import { api, emit } from "./ui.js";
import { copyFrom } from "./copy.js";
import { markReady } from "./ready.js";
import { setupPeople } from "./people-picker.js";
import { clearShareErrors, showPasswordState, submitShareSettings } from "./share-settings.js";

const dialog = document.getElementById("share-dialog");
const form = dialog.querySelector("[data-share-form]");
const linkBox = dialog.querySelector("[data-share-link]");
const urlField = dialog.querySelector("#share-url");
const copied = dialog.querySelector("[data-share-copied]");
const status = dialog.querySelector("[data-share-status]");
const submit = dialog.querySelector("[data-share-submit]");
const newLink = dialog.querySelector("[data-share-new]");
const labels = dialog.dataset;
const people = setupPeople(dialog);
const peopleInput = dialog.querySelector("#people-input");

let fileId = null;
let share = null; // the link being edited; null while creating one
let returnTo = null;
// Once the person acts in the dialog, what loads afterwards does not move their focus.
let acted = false;
for (const type of ["input", "keydown", "pointerdown"]) dialog.addEventListener(type, () => { acted = true; });

function day(offset) {
  const moment = new Date(Date.now() + offset * 86_400_000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}

function clearErrors() {
  clearShareErrors(form);
  status.textContent = "";
}

function creating() {
  share = null;
  clearErrors();
  linkBox.hidden = true;
  newLink.hidden = true;
  copied.textContent = "";
  form.elements.expires_on.value = day(7);
  form.elements.download_limit.value = "0";
  showPasswordState(form, false);
  submit.textContent = labels.labelCreate;
}

function editing(link) {
  share = link;
  linkBox.hidden = false;
  newLink.hidden = false;
  urlField.value = link.url;
  form.elements.expires_on.value = link.expires_on;
  form.elements.download_limit.value = String(link.download_limit);
  showPasswordState(form, link.has_pwd);
  submit.textContent = labels.labelSave;
}

async function open(id, shareId) {
  returnTo = document.activeElement;
  fileId = id;
  const row = document.querySelector(`#listing tr[data-id="${CSS.escape(id)}"]`);
  dialog.querySelector("[data-share-name]").textContent = row?.dataset.name || "";
  creating();
  if (!dialog.open) dialog.showModal();
  form.elements.expires_on.focus();
  acted = false;
  const loaded = people.load(id);
  try {
    const data = await api("GET", dialog.dataset.list.replace("FILE_ID", encodeURIComponent(id)));
    await loaded;
    if (fileId !== id) return;
    // The owner starts with "Add people" (unless a link was asked for); anyone else with the link.
    if (peopleInput.checkVisibility() && !shareId && !acted) peopleInput.focus();
    dialog.querySelector("[data-share-name]").textContent = data.item.name;
    const link = shareId ? data.shares.find((item) => item.share_id === shareId) : data.shares[0];
    if (link) {
      editing(link);
      if ((shareId || !peopleInput.checkVisibility()) && !acted) {
        urlField.focus();
        urlField.select();
      }
    }
  } catch (error) {
    form.querySelector('[data-error-for=""]').textContent = error.message;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const wasNew = share === null;
  const url = wasNew
    ? dialog.dataset.list.replace("FILE_ID", encodeURIComponent(fileId))
    : dialog.dataset.update.replace("SHARE_ID", encodeURIComponent(share.share_id));
  const saved = await submitShareSettings(form, url);
  if (!saved) return;
  editing(saved);
  if (wasNew) {
    urlField.focus();
    urlField.select();
  } else {
    status.textContent = labels.labelSaved;
  }
  emit("drive:shares-changed", { fileId });
});

dialog.querySelector("[data-share-copy]").addEventListener("click", async () => {
  await copyFrom(urlField);
  copied.textContent = labels.labelCopied;
});
newLink.addEventListener("click", () => {
  creating();
  form.elements.expires_on.focus();
});
dialog.querySelector("[data-share-close]").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => {
  const closedId = fileId || "";
  fileId = null;
  people.reset();
  const back = returnTo?.isConnected && returnTo !== document.body && returnTo.checkVisibility();
  (back ? returnTo : document.querySelector(`#listing tr[data-id="${CSS.escape(closedId)}"] td.name a`))?.focus({
    preventScroll: true,
  });
});

document.addEventListener("drive:action", (event) => {
  const { action, ids = [], shareId = "" } = event.detail || {};
  if (action === "share" && ids.length) open(ids[0], shareId);
});
markReady("share-dialog");
