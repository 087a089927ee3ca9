// A person's page (templates/files/person.html): name the person in place (Enter saves,
// Escape cancels), merge them with another person ("Merge with…"), and take photos that are
// not of them out ("Remove from this person", on the selected photos or on the photo shown
// in the viewer). Each change goes to the JSON endpoints of files/people_photos_views.py;
// the photos are then read again from the page.
import { api, emit, parseHtml, toast } from "./ui.js";
import { markReady } from "./ready.js";
import { placeCovers } from "./face-covers.js";
import { viewGrid } from "./photos-viewer.js";
import "./albums-dialogs.js"; // closes dialogs by their [data-close] buttons, gives focus back

const person = document.getElementById("person");
const urls = person.dataset;
const say = (key, values = {}) => Object.entries(values).reduce(
  (text, [name, value]) => text.replace(`{${name}}`, value), person.dataset[`label${key[0].toUpperCase()}${key.slice(1)}`] || "");

// --- The name, edited in place ----------------------------------------------------------------
const heading = person.querySelector("[data-person-name]");
const form = person.querySelector("[data-person-name-form]");
const field = form.elements.name;
const error = form.querySelector(".field-error");
const renameButton = person.querySelector("[data-person-rename]");

function showError(message) {
  error.textContent = message;
  error.hidden = !message;
  if (message) field.setAttribute("aria-invalid", "true");
  else field.removeAttribute("aria-invalid");
}

function editName() {
  showError("");
  field.value = urls.name;
  heading.hidden = true;
  renameButton.hidden = true;
  form.hidden = false;
  field.focus();
  field.select();
}

function stopEditing() {
  form.hidden = true;
  heading.hidden = false;
  renameButton.hidden = false;
  renameButton.focus();
}

function showName(name) {
  urls.name = name;
  const shown = name || say("unnamed");
  for (const place of document.querySelectorAll("[data-person-name] bdi, [data-person-crumb] bdi")) place.textContent = shown;
  heading.classList.toggle("is-unnamed", !name);
  document.title = document.title.replace(/^[^·]*·/, `${shown} ·`);
  renameButton.querySelector("span").textContent = renameButton.dataset[name ? "named" : "unnamed"];
}

renameButton.addEventListener("click", editName);
form.querySelector("[data-person-name-cancel]").addEventListener("click", stopEditing);
field.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    stopEditing();
  }
});
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const answer = await api("POST", urls.rename, { name: field.value });
    showName(answer.name);
    stopEditing();
    toast(say(answer.name ? "named" : "unnamedSaved"));
  } catch (failure) {
    showError(failure.message);
    field.focus();
  } finally {
    button.disabled = false;
  }
});

// --- Selection, and "Remove from this person" -------------------------------------------------
const picked = () => [...document.querySelectorAll("#person-body .album-pick:checked")].map((box) => box.value);

function syncSelection() {
  const ids = picked();
  for (const button of document.querySelectorAll("#person-body [data-needs-selection]")) button.disabled = ids.length === 0;
  const count = document.querySelector("#person-body [data-person-selected]");
  if (count) count.textContent = ids.length ? say("selected", { n: ids.length }) : "";
}

// The photos as the server renders them now (after a change); focus on `focusSelector`
// (none with null).
// The page as the server renders it now (null when it cannot say); when the person is gone
// (their last photo taken out, or merged away in another tab), off to People.
async function freshPage() {
  const response = await fetch(location.href, { credentials: "same-origin" }).catch(() => null);
  if (response?.status === 404) {
    location.assign(urls.people);
    return null;
  }
  return response?.ok && !response.redirected ? parseHtml(await response.text()) : null;
}

async function reloadPhotos(focusSelector = "") {
  const fresh = await freshPage();
  const body = fresh?.querySelector("#person-body");
  if (body) document.getElementById("person-body").replaceWith(body);
  const count = fresh?.querySelector(".person-title .album-count");
  if (count) document.querySelector(".person-title .album-count").replaceWith(count);
  syncSelection();
  if (focusSelector !== null) {
    const target = focusSelector && document.querySelector(focusSelector);
    (target || renameButton).focus();
  }
}

person.addEventListener("change", (event) => { if (event.target.matches(".album-pick")) syncSelection(); });
person.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-person-remove]");
  if (!button) return;
  button.disabled = true;
  try {
    const answer = await api("POST", urls.remove, { file_ids: picked() });
    if (answer.gone) {
      location.assign(answer.url); // People, which says the person is no more
      return;
    }
    toast(say("removed", { n: answer.removed }));
    await reloadPhotos("#person-body .album-pick");
  } catch (failure) {
    toast(failure.message, { error: true });
    button.disabled = false;
  }
});

// --- Merge with… --------------------------------------------------------------------------------
const mergeDialog = document.getElementById("person-merge-dialog");
const mergeForm = mergeDialog.querySelector("[data-person-merge-form]");
const mergeSubmit = mergeDialog.querySelector("[data-person-merge-submit]");
const mergeError = mergeDialog.querySelector("[data-error]");

person.querySelector("[data-person-merge]").addEventListener("click", (event) => {
  mergeDialog.returnTo = event.currentTarget;
  mergeError.textContent = "";
  mergeForm.reset();
  mergeSubmit.disabled = true;
  mergeDialog.showModal();
  mergeDialog.querySelector("input[type=radio]")?.focus();
});
mergeForm.addEventListener("change", () => { mergeSubmit.disabled = !mergeForm.elements.other_id.value; });
mergeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const otherId = new FormData(mergeForm).get("other_id");
  if (!otherId) return;
  mergeSubmit.disabled = true;
  try {
    const answer = await api("POST", urls.merge, { other_id: otherId });
    location.assign(answer.url);
  } catch (failure) {
    mergeError.textContent = failure.message;
    mergeSubmit.disabled = false;
  }
});

// --- The viewer: its "Remove" takes the photo shown out of this person ----------------------------
const viewerRemove = document.querySelector('#photo-viewer [data-pv="remove"]');
if (viewerRemove) {
  viewerRemove.title = say("remove");
  const label = viewerRemove.querySelector(".visually-hidden");
  if (label) label.textContent = say("remove");
}
viewGrid({
  grid: () => document.querySelector("#person-body .person-timeline"),
  tile: ".album-tile",
  link: ".album-open",
  home: () => document.querySelector("#person-body .album-open") || renameButton,
  remove: async (shown) => {
    try {
      const answer = await api("POST", urls.remove, { file_ids: [shown.dataset.id] });
      if (answer.gone) {
        location.assign(answer.url);
        return false;
      }
      toast(say("removed", { n: answer.removed }));
    } catch (failure) {
      toast(failure.message, { error: true });
      return false;
    }
    shown.remove();
    emit("drive:person-changed", { groupId: urls.groupId });
    return true;
  },
});
// A photo taken out from the viewer: its day goes when it was the day's last, and the count
// is read again (the grid stays as it is under the viewer).
document.addEventListener("drive:person-changed", async () => {
  for (const day of document.querySelectorAll("#person-body .person-day")) {
    if (!day.querySelector(".album-tile")) day.remove();
  }
  if (!document.querySelector("#person-body .album-tile")) {
    await reloadPhotos(null);
    return;
  }
  const fresh = await freshPage();
  const count = fresh?.querySelector(".person-title .album-count");
  if (count) document.querySelector(".person-title .album-count").replaceWith(count);
});
// Photos trashed from the viewer and put back by Undo (photos-select.js): the photos again.
document.addEventListener("photos:changed", () => reloadPhotos(null));

placeCovers(); // the person's, and the others' in "Merge with…"
syncSelection();
markReady("person");
