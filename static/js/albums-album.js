// An album's page (templates/files/album.html): rename, delete (the photos stay), share by
// link, add photos from a picker of the drive's photos (newest first, page by page), and
// with photos selected: set one as the cover, or remove them from the album. Each change goes
// to the JSON endpoints of files/albums_views.py; the grid is then read again from the page.
// A click on a photo opens it in the Photos viewer (photos-viewer.js), which steps through the
// album in its order and can remove the photo shown from the album.
import { api, fetchFragment, emit, toast } from "./ui.js";
import { copyFrom } from "./copy.js";
import { openNameDialog } from "./albums-dialogs.js";
import { clearShareErrors, showPasswordState, submitShareSettings } from "./share-settings.js";
import { markReady } from "./ready.js";
import { viewGrid } from "./photos-viewer.js";

const album = document.getElementById("album");
const urls = album.dataset;
const say = (key, values = {}) => Object.entries(values).reduce(
  (text, [name, value]) => text.replace(`{${name}}`, value), album.dataset[`label${key[0].toUpperCase()}${key.slice(1)}`] || "");

// --- Selection in the grid --------------------------------------------------------------------
const picked = () => [...document.querySelectorAll("#album-body .album-pick:checked")].map((box) => box.value);

function syncSelection() {
  const ids = picked();
  for (const button of document.querySelectorAll("#album-body [data-needs-selection]")) button.disabled = ids.length === 0;
  for (const button of document.querySelectorAll("#album-body [data-needs-one]")) button.disabled = ids.length !== 1;
  const count = document.querySelector("#album-body [data-album-selected]");
  if (count) count.textContent = ids.length ? say("selected", { n: ids.length }) : "";
}

// The grid as the server renders it now (after a change); focus goes to `focusSelector` in it
// (none with `focusSelector` null).
async function reloadGrid(focusSelector = "") {
  const fresh = await fetchFragment(location.href);
  if (!fresh) return;
  const body = fresh.querySelector("#album-body");
  if (body) document.getElementById("album-body").replaceWith(body);
  syncSelection();
  if (focusSelector !== null) {
    const target = focusSelector && document.querySelector(focusSelector);
    (target || document.querySelector("[data-album-add]")).focus();
  }
  emit("drive:album-changed", { storyId: urls.storyId });
}

album.addEventListener("change", (event) => { if (event.target.matches(".album-pick")) syncSelection(); });

album.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-album-cover], [data-album-remove]");
  if (!button) return;
  const ids = picked();
  button.disabled = true;
  try {
    if (button.matches("[data-album-cover]")) {
      await api("POST", urls.cover, { file_id: ids[0] });
      toast(say("cover"));
      await reloadGrid(`#album-body .album-tile[data-id="${CSS.escape(ids[0])}"] .album-pick`);
    } else {
      const answer = await api("POST", urls.remove, { file_ids: ids });
      toast(say("removed", { n: answer.removed }));
      await reloadGrid("#album-body .album-pick");
    }
  } catch (error) {
    toast(error.message, { error: true });
    button.disabled = false;
  }
});

// --- Rename and delete ------------------------------------------------------------------------
document.querySelector("[data-album-rename]").addEventListener("click", (event) => {
  openNameDialog("album-rename-dialog", album.dataset.name, event.currentTarget, async (name) => {
    const answer = await api("POST", urls.rename, { name });
    album.dataset.name = answer.name;
    for (const place of document.querySelectorAll("[data-album-name] bdi, [data-album-crumb] bdi")) place.textContent = answer.name;
    document.title = document.title.replace(/^[^·]*·/, `${answer.name} ·`);
    toast(say("renamed"));
    return null;
  });
});

const deleteDialog = document.getElementById("album-delete-dialog");
document.querySelector("[data-album-delete]").addEventListener("click", (event) => {
  deleteDialog.returnTo = event.currentTarget;
  deleteDialog.querySelector("[data-error]").textContent = "";
  deleteDialog.showModal();
  deleteDialog.querySelector("[data-close]").focus();
});
deleteDialog.querySelector("[data-confirm]").addEventListener("click", async (event) => {
  event.currentTarget.disabled = true;
  try {
    const answer = await api("POST", urls.delete, {});
    location.assign(answer.url);
  } catch (error) {
    deleteDialog.querySelector("[data-error]").textContent = error.message;
    event.currentTarget.disabled = false;
  }
});

// --- Add photos: a picker of the drive's photos -------------------------------------------------
const addDialog = document.getElementById("album-add-dialog");
const grid = addDialog.querySelector("[data-album-picker-grid]");
const more = addDialog.querySelector("[data-picker-more]");
const status = addDialog.querySelector("[data-picker-status]");
const submit = addDialog.querySelector("[data-picker-submit]");
const inAlbum = () => new Set([...document.querySelectorAll("#album-body .album-tile")].map((tile) => tile.dataset.id));
let nextMarker = "";

function pickerChosen() {
  return [...grid.querySelectorAll("input:checked")].map((box) => box.value);
}

function syncPicker() {
  const n = pickerChosen().length;
  submit.disabled = n === 0;
  submit.textContent = n ? say("addN", { n }) : submit.dataset.plain;
}

function pickerTile(photo, already) {
  const item = document.createElement("li");
  item.className = "album-tile";
  const label = document.createElement("label");
  const box = Object.assign(document.createElement("input"), { type: "checkbox", value: photo.file_id, className: "album-pick" });
  const image = Object.assign(document.createElement("img"), { src: photo.thumb_url, alt: "", loading: "lazy" });
  const name = Object.assign(document.createElement("span"), { className: "visually-hidden", textContent: photo.name });
  if (already) { box.checked = true; box.disabled = true; }
  label.append(box, image, name);
  item.append(label);
  return item;
}

async function loadPhotos() {
  more.disabled = true;
  try {
    const url = `${urls.photos}${nextMarker ? `?marker=${encodeURIComponent(nextMarker)}` : ""}`;
    const page = await api("GET", url);
    const already = inAlbum();
    const first = grid.children.length;
    grid.append(...page.items.map((photo) => pickerTile(photo, already.has(photo.file_id))));
    nextMarker = page.next_marker;
    more.hidden = !nextMarker;
    status.textContent = grid.children.length ? "" : say("none");
    return grid.children[first]?.querySelector("input:not(:disabled)") || null;
  } catch (error) {
    addDialog.querySelector("[data-error]").textContent = error.message;
    return null;
  } finally {
    more.disabled = false;
  }
}

submit.dataset.plain = submit.textContent;
document.querySelector("[data-album-add]").addEventListener("click", async (event) => {
  addDialog.returnTo = event.currentTarget;
  grid.replaceChildren();
  nextMarker = "";
  addDialog.querySelector("[data-error]").textContent = "";
  syncPicker();
  addDialog.showModal();
  const before = document.activeElement;
  const first = await loadPhotos();
  // The first photo, unless the person has moved on in the dialog meanwhile.
  if (addDialog.open && first && document.activeElement === before) first.focus();
});
grid.addEventListener("change", syncPicker);
more.addEventListener("click", async () => {
  const first = await loadPhotos();
  if (first) first.focus();
});
addDialog.querySelector("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const ids = pickerChosen();
  if (!ids.length) return;
  submit.disabled = true;
  try {
    const answer = await api("POST", urls.add, { file_ids: ids });
    addDialog.returnTo = null;
    addDialog.close();
    toast(say("added", { n: answer.added }));
    await reloadGrid(); // focus back on "Add photos", as the dialog was opened from it
  } catch (error) {
    addDialog.querySelector("[data-error]").textContent = error.message;
    submit.disabled = false;
  }
});

// --- Share by link ----------------------------------------------------------------------------
const shareDialog = document.getElementById("album-share-dialog");
const shareForm = shareDialog.querySelector("[data-share-form]");
const linkBox = shareDialog.querySelector("[data-share-link]");
const urlField = shareDialog.querySelector("#album-share-url");
const copied = shareDialog.querySelector("[data-share-copied]");

const shareSubmit = shareDialog.querySelector("[data-share-submit]");
shareSubmit.dataset.first = shareSubmit.textContent;

function showLink(link) {
  linkBox.hidden = !link;
  shareSubmit.textContent = link ? say("another") : shareSubmit.dataset.first;
  urlField.value = link ? link.url : "";
  copied.textContent = "";
}

document.querySelector("[data-album-share]").addEventListener("click", async (event) => {
  shareDialog.returnTo = event.currentTarget;
  clearShareErrors(shareForm);
  showPasswordState(shareForm, false);
  shareForm.elements.expires_on.value = "";
  shareForm.elements.download_limit.value = "0";
  showLink(null);
  shareDialog.showModal();
  shareForm.elements.expires_on.focus();
  try {
    const data = await api("GET", urls.share);
    if (data.shares.length && shareDialog.open) showLink(data.shares[0]);
  } catch (error) {
    shareForm.querySelector('[data-error-for=""]').textContent = error.message;
  }
});
shareForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const link = await submitShareSettings(shareForm, urls.share);
  if (!link) return;
  showLink(link);
  urlField.focus();
  urlField.select();
});
shareDialog.querySelector("[data-share-copy]").addEventListener("click", async () => {
  await copyFrom(urlField);
  copied.textContent = say("copied");
});

// --- The viewer -------------------------------------------------------------------------------
viewGrid({
  grid: () => document.querySelector("#album-body .album-grid"),
  tile: ".album-tile",
  link: ".album-open",
  home: () => document.querySelector("#album-body .album-open") || document.querySelector("[data-album-add]"),
  remove: async (shown) => {
    try {
      const answer = await api("POST", urls.remove, { file_ids: [shown.dataset.id] });
      toast(say("removed", { n: answer.removed }));
    } catch (error) {
      toast(error.message, { error: true });
      return false;
    }
    // The last photo: the page as it is now (the album is empty); the others leave the grid.
    if (document.querySelectorAll("#album-body .album-tile").length <= 1) await reloadGrid(null);
    else emit("drive:album-changed", { storyId: urls.storyId });
    return true;
  },
});
// Photos trashed from the viewer and put back by Undo (photos-select.js): the album again.
document.addEventListener("photos:changed", () => reloadGrid(null));

syncSelection();
markReady("albums-album");
