// The selection of the folder page: row checkboxes, the header checkbox (all loaded rows,
// indeterminate when some), "Select all N in this folder" (every item, acted on server-side),
// and the selection bar that takes the toolbar's place while something is selected.
import { api } from "./ui.js";
import { allRows, folderId } from "./rows.js";

const state = { all: false, count: null, max: null, countFor: null, busy: false };
const bar = () => document.getElementById("selection");
const boxOf = (row) => row.querySelector("input[name=ids]");
const fill = (template, values) => Object.entries(values).reduce((text, [k, v]) => text.replace(`%(${k})s`, v), template || "");

export const checkedRows = () => allRows().filter((row) => boxOf(row)?.checked);
export const selectingAll = () => state.all;

// What the selection bar's actions act on: {all_in} or {ids}.
export function selection() {
  return state.all ? { all: true, all_in: folderId() } : { all: false, ids: checkedRows().map((row) => row.dataset.id) };
}

export function clearSelection() {
  state.all = false;
  for (const row of allRows()) boxOf(row).checked = false;
  update();
}

export function setBusy(busy) {
  state.busy = busy;
  update();
}

async function loadCount() {
  const folder = folderId();
  if (state.countFor === folder && state.count !== null) return;
  state.countFor = folder;
  try {
    const answer = await api("GET", `${document.getElementById("action-text").dataset.api}count/${encodeURIComponent(folder)}`);
    state.count = answer.count;
    state.max = answer.max_all ?? null;
  } catch {
    state.count = state.max = null;
  }
  update();
}

export function update() {
  const form = bar();
  if (!form) return;
  const rows = allRows();
  if (state.all) for (const row of rows) boxOf(row).checked = true;
  const picked = checkedRows();
  const count = state.all ? state.count || picked.length : picked.length;
  form.hidden = count === 0;
  const toolbar = document.querySelector(".folder-toolbar");
  if (toolbar) toolbar.hidden = count > 0;
  const header = document.querySelector("table.files .select-all");
  if (header) {
    header.checked = rows.length > 0 && picked.length === rows.length;
    header.indeterminate = picked.length > 0 && picked.length < rows.length;
  }
  const number = (value) => new Intl.NumberFormat(document.documentElement.lang || undefined).format(value);
  const words = state.all ? form.dataset.all : count === 1 ? form.dataset.one : form.dataset.many;
  form.querySelector(".selection-count").textContent = fill(words, { count: number(count) });
  // "Select all N in this folder": once every loaded row is picked and the folder holds more.
  const everyLoaded = rows.length > 0 && picked.length === rows.length;
  if (everyLoaded && !state.all) loadCount();
  const offer = form.querySelector("[data-selection=folder]");
  const more = everyLoaded && !state.all && state.countFor === folderId() && state.count > rows.length;
  offer.hidden = !more;
  // Past the most one operation takes (services.MAX_ALL) it is offered disabled, saying why.
  const tooMany = more && state.max !== null && state.count > state.max;
  if (more) offer.textContent = fill(form.dataset.selectFolder, { count: number(state.count) });
  if (tooMany) offer.setAttribute("aria-disabled", "true"); else offer.removeAttribute("aria-disabled");
  const note = form.querySelector(".selection-note");
  if (note) {
    note.hidden = !tooMany;
    note.textContent = tooMany ? fill(form.dataset.tooMany, { max: number(state.max) }) : "";
  }
  form.querySelector("input[name=all_in]").disabled = !state.all;
  form.querySelector("input[name=all_in]").value = folderId();
  for (const button of form.querySelectorAll("[data-needs=selection]")) button.disabled = state.busy || count === 0;
}

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("table.files .select-all")) {
    state.all = false;
    for (const row of allRows()) boxOf(row).checked = target.checked;
  } else if (target.matches("table.files input[name=ids]")) {
    if (!target.checked) state.all = false;
  } else return;
  update();
});

document.addEventListener("click", (event) => {
  const control = event.target.closest("#selection [data-selection]");
  if (!control) return;
  if (control.dataset.selection === "clear") {
    clearSelection();
    (document.querySelector(".folder-toolbar .new-button") || document.querySelector(".folder-toolbar a"))?.focus();
  } else if (control.dataset.selection === "folder") {
    if (control.getAttribute("aria-disabled") === "true") return;
    state.all = true;
    update();
    bar().querySelector(".selection-count").focus?.();
  }
});

document.addEventListener("drive:rows-changed", update);
document.addEventListener("drive:navigated", () => {
  state.all = false;
  state.count = state.countFor = null;
  update();
});
// Pages of rows loaded while scrolling join a whole-folder selection.
const addsRows = (mutations) => mutations.some((m) => [...m.addedNodes].some((node) => node.nodeName === "TBODY" || node.nodeName === "TR"));
new MutationObserver((mutations) => { if (state.all && addsRows(mutations)) update(); }).observe(document.body, { childList: true, subtree: true });
