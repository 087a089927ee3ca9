// The Photos selection: a tile's checkbox (shown on hover and focus, and on every tile once
// something is selected), Space on a photo, shift-click for a range; while photos are
// selected a click selects too. The selection bar (files/_photos_selection.html) downloads
// them (one file, or a zip), adds them to an album (album-picker.js), shares one (the share
// dialog) or moves them to the trash (the folder actions' API), with Undo.
import { api, emit, toast } from "./ui.js";

const selected = new Set(); // file ids: a tile dropped from the DOM and fetched again stays selected
const bar = document.getElementById("photos-selection");
const text = document.getElementById("photos-text")?.dataset || {};
let lastTile = null;

const fill = (template, values) => Object.entries(values).reduce((words, [k, v]) => words.replace(`%(${k})s`, v), template || "");
const tiles = () => [...document.querySelectorAll(".photo-tile")];
const tilesOf = (id) => document.querySelectorAll(`.photo-tile[data-id="${CSS.escape(id)}"]`);

export const selectedIds = () => [...selected];

// Tiles put in the page (a page of the timeline, On this day) show whether they are selected.
export function syncTiles(root) {
  for (const tile of root.querySelectorAll(".photo-tile")) {
    const on = selected.has(tile.dataset.id);
    tile.classList.toggle("is-selected", on);
    const box = tile.querySelector(".photo-check");
    if (box) box.checked = on;
  }
}

function update() {
  document.body.classList.toggle("photos-selecting", selected.size > 0);
  if (!bar) return;
  bar.hidden = selected.size === 0;
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined).format(selected.size);
  bar.querySelector(".selection-count").textContent = fill(selected.size === 1 ? bar.dataset.one : bar.dataset.many, { count: number });
}

function set(tile, on) {
  if (on) selected.add(tile.dataset.id);
  else selected.delete(tile.dataset.id);
  for (const each of tilesOf(tile.dataset.id)) syncTiles(each.parentElement);
}

// Select or unselect `tile`; with `range`, every tile from the last one chosen to it as well.
export function toggleTile(tile, { range = false, on = !selected.has(tile.dataset.id) } = {}) {
  if (range && lastTile?.isConnected && lastTile.parentElement.closest(".memories") === tile.closest(".memories")) {
    const all = tiles().filter((each) => each.closest(".memories") === tile.closest(".memories"));
    const [a, b] = [all.indexOf(lastTile), all.indexOf(tile)].sort((x, y) => x - y);
    for (const each of all.slice(a, b + 1)) set(each, on);
  } else {
    set(tile, on);
  }
  lastTile = tile;
  update();
}

// A click on a photo while some are selected (or with Shift) selects it; true when it did.
export function selectionClick(tile, event) {
  if (selected.size === 0 && !event.shiftKey) return false;
  toggleTile(tile, { range: event.shiftKey });
  return true;
}

export function clearSelection() {
  selected.clear();
  syncTiles(document);
  update();
}

// --- Actions --------------------------------------------------------------------------------------

export function downloadFiles(ids) {
  if (ids.length === 1) {
    location.href = text.download.replace("FILE_ID", encodeURIComponent(ids[0]));
    return;
  }
  const form = document.getElementById("photos-zip");
  form.querySelectorAll("input[name=ids]").forEach((input) => input.remove());
  for (const id of ids) form.append(Object.assign(document.createElement("input"), { type: "hidden", name: "ids", value: id }));
  form.submit();
}

export async function addToAlbum(ids) {
  let picker;
  try {
    picker = await import("./album-picker.js");
  } catch {
    picker = null;
  }
  if (!picker?.openAlbumPicker) {
    toast(text.noAlbums, { error: true });
    return;
  }
  picker.openAlbumPicker(ids);
}

export function shareFiles(ids) {
  if (ids.length !== 1) {
    toast(text.shareOne, { error: true });
    return;
  }
  emit("drive:action", { action: "share", ids });
}

async function apply(operation, ids) {
  const done = [];
  const failed = [];
  for (let start = 0; start < ids.length; start += 100) {
    const answer = await api("POST", `${text.api}${operation}`, { ids: ids.slice(start, start + 100) });
    done.push(...answer.done);
    if (answer.failed?.length) failed.push(answer);
  }
  return { done, failed };
}

// Move to the trash; the tiles go, and Undo puts them back. Returns the ids trashed.
export async function trashFiles(ids) {
  let result;
  try {
    result = await apply("trash", ids);
  } catch (error) {
    toast(error.message, { error: true });
    return [];
  }
  for (const id of result.done) {
    selected.delete(id);
    for (const tile of tilesOf(id)) {
      const day = tile.closest(".photo-day, .memory");
      tile.remove();
      if (day && !day.querySelector(".photo-tile")) day.remove();
    }
  }
  update();
  emit("photos:trashed", { ids: result.done });
  if (result.failed.length) {
    const count = ids.length - result.done.length;
    toast(fill(text.failed, { count, reason: result.failed[0].error || "" }), { error: true });
  }
  if (result.done.length) {
    const trashed = result.done;
    toast(fill(text.trashed, { count: trashed.length }), {
      action: {
        label: text.undo,
        run: async () => {
          try {
            await apply("restore", trashed);
            toast(fill(text.restored, { count: trashed.length }));
            emit("photos:changed", { ids: trashed });
          } catch (error) {
            toast(error.message, { error: true });
          }
        },
      },
    });
  }
  return result.done;
}

document.addEventListener("change", (event) => {
  const box = event.target.closest?.(".photo-check");
  if (!box) return;
  toggleTile(box.closest(".photo-tile"), { on: box.checked, range: Boolean(box.dataset.shift) });
  delete box.dataset.shift;
});
// Shift on a checkbox's click selects the range (the change event does not say).
document.addEventListener("click", (event) => {
  const box = event.target.closest?.(".photo-check");
  if (box && event.shiftKey) box.dataset.shift = "1";
}, true);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && selected.size && !event.target.closest("dialog")) {
    clearSelection();
  }
});
bar?.addEventListener("click", async (event) => {
  const control = event.target.closest("[data-select], [data-photos]");
  if (!control) return;
  const ids = selectedIds();
  if (control.dataset.select === "clear") {
    clearSelection();
    document.querySelector(".photo-open")?.focus();
    return;
  }
  const action = control.dataset.photos;
  if (action === "download") downloadFiles(ids);
  else if (action === "album") addToAlbum(ids);
  else if (action === "share") shareFiles(ids);
  else if (action === "trash") {
    control.disabled = true;
    const next = document.querySelector(".photo-tile:not(.is-selected) .photo-open");
    const gone = await trashFiles(ids);
    control.disabled = false;
    if (gone.length) next?.focus();
  }
});
update();
