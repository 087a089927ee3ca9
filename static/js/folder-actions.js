// The folder page's actions: the New menu (new folder, upload files or a folder), each row's
// "More actions" menu (its button, a right-click, the ContextMenu key or Shift+F10), the name
// and rename dialogs, trash and move with Undo, moving rows by dragging them onto a folder or
// a breadcrumb, and the keyboard's F2 and Delete. Everything is delegated from `document`, so
// it keeps working when #listing is replaced (drive:navigated). Only what the user's role on
// the folder allows is offered (#listing's data-can-*: the page leaves out the rest).
import { api, emit, toast } from "./ui.js";
import { closeMenu, openMenu } from "./menu.js";
import { MAX_PAGES, PAGE_ROWS, allRows, folderId, insertRows, parseRows, removeRows, rowOf } from "./rows.js";
import { checkedRows, clearSelection, selectingAll, selection, setBusy, update } from "./selection.js";
import { chooseFolder } from "./move-dialog.js";
import { markReady } from "./ready.js";

const DRAG_TYPE = "application/x-drive-ids";
const ROWS_PER_REQUEST = 100; // as files/actions_api.py MAX_ROWS: the ids go in the request line (8 KB)
const strings = () => document.getElementById("action-text")?.dataset || {};
const say = (key, values = {}) => Object.entries(values).reduce((text, [k, v]) => text.replace(`%(${k})s`, v), strings()[key] || key);
const call = (path, body) => api(body === undefined ? "GET" : "POST", `${strings().api}${path}`, body);
const nameLink = (row) => row.querySelector("td.name a");
// "upload", "rename", "move", "trash", "share": whether the folder shown allows it (a page that
// does not say allows it).
const can = (right) => document.getElementById("listing")?.dataset[`can${right[0].toUpperCase()}${right.slice(1)}`] !== "false";
let menuRow = null;
let dragIds = [];
let dragAll = false; // the drag carries "all N in this folder"

// --- Long operations: the PDS answers big folders with async tasks; wait for them ----------
async function settle(tasks) {
  if (!tasks || !tasks.length) return;
  toast(say("working"));
  for (const task of tasks) {
    for (let wait = 300; ; wait = Math.min(wait * 1.5, 3000)) {
      const state = await call(`tasks/${encodeURIComponent(task)}`);
      if (state.state !== "Running") {
        if (state.state === "Failed") toast(state.error || state.state, { error: true });
        break;
      }
      await new Promise((done) => setTimeout(done, wait));
    }
  }
}

function reportPartial(result) {
  if (result.failed) toast(say("failed", { count: result.failed, reason: result.error }), { error: true });
}

// Rows of these ids, fetched as the listing renders them (ROWS_PER_REQUEST at a time), put in
// their place; a list longer than the page's few pages is loaded again instead.
async function bringBack(ids, folder) {
  if (folder !== folderId()) return;
  if (ids.length > MAX_PAGES * PAGE_ROWS) { location.reload(); return; }
  const chunks = [];
  for (let start = 0; start < ids.length; start += ROWS_PER_REQUEST) chunks.push(ids.slice(start, start + ROWS_PER_REQUEST));
  const answers = await Promise.all(chunks.map((chunk) => call(`rows?${new URLSearchParams(chunk.map((id) => ["ids", id]))}`)));
  if (folder !== folderId()) return;
  insertRows(answers.flatMap((answer) => parseRows(answer.rows)));
}

// Take rows out of the list; focus, when it was on one of them, goes to the row now in its place.
function takeOut(ids) {
  const gone = new Set(ids);
  let first = -1;
  let focused = false;
  allRows().forEach((row, index) => {
    if (!gone.has(row.dataset.id)) return;
    if (first < 0) first = index;
    if (row.contains(document.activeElement)) focused = true;
  });
  removeRows(gone);
  const left = allRows();
  if (focused && first >= 0 && left.length) nameLink(left[Math.min(first, left.length - 1)]).focus();
}

// --- Trash and move, with Undo -----------------------------------------------------------------
async function run(work) {
  setBusy(true);
  try { await work(); } catch (error) { toast(error.message, { error: true }); } finally { setBusy(false); }
}

function trash(chosen) {
  const folder = folderId();
  return run(async () => {
    const result = await call("trash", chosen.all ? { all_in: folder } : { ids: chosen.ids });
    takeOut(result.done);
    clearSelection();
    reportPartial(result);
    await settle(result.tasks);
    toast(say("trashed", { count: result.done.length }), {
      action: { label: say("undo"), run: () => run(async () => {
        const back = await call("restore", { ids: result.done });
        await settle(back.tasks);
        await bringBack(back.done, folder);
        toast(say("restored", { count: back.done.length }));
      }) },
    });
  });
}

function move(chosen, targetId) {
  const folder = folderId();
  return run(async () => {
    const body = chosen.all ? { all_in: folder, target_id: targetId } : { ids: chosen.ids, target_id: targetId };
    const result = await call("move", body);
    takeOut(result.done);
    clearSelection();
    reportPartial(result);
    await settle(result.tasks);
    toast(say("moved", { count: result.done.length }), {
      action: { label: say("undo"), run: () => run(async () => {
        const back = await call("move", { ids: result.done, target_id: folder });
        await settle(back.tasks);
        await bringBack(back.done, folder);
        toast(say("movedBack", { count: back.done.length }));
      }) },
    });
  });
}

function copy(chosen, targetId) {
  const folder = folderId();
  return run(async () => {
    const body = chosen.all ? { all_in: folder, target_id: targetId } : { ids: chosen.ids, target_id: targetId };
    const result = await call("copy", body);
    clearSelection();
    reportPartial(result);
    await settle(result.tasks);
    if (targetId === folder) await bringBack(result.created, folder);
    toast(say("copied", { count: result.done.length }));
  });
}

// Move and copy choose their folder in a dialog (the picker page does it without scripts).
async function moveOrCopy(operation, chosen, returnTo) {
  const from = folderId();
  const target = await chooseFolder(operation, { ids: chosen.all ? [] : chosen.ids, from });
  if (returnTo?.isConnected) returnTo.focus();
  if (!target) return;
  await (operation === "move" ? move(chosen, target) : copy(chosen, target));
}

// --- The name dialogs: the error stays next to the field, and so does what was typed --------
function showError(dialog, message) {
  const input = dialog.querySelector("input[name=name]");
  const error = dialog.querySelector(".field-error");
  error.textContent = message;
  error.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
}

function openNameDialog(id, value, returnTo, submit) {
  const dialog = document.getElementById(id);
  const input = dialog.querySelector("input[name=name]");
  showError(dialog, "");
  input.value = value;
  dialog.returnTo = returnTo;
  dialog.submit = submit;
  dialog.showModal();
  input.focus();
  const dot = value.lastIndexOf(".");
  input.setSelectionRange(0, dot > 0 && returnTo?.closest?.("tr[data-type=file]") ? dot : value.length);
}

function newFolder(opener) {
  openNameDialog("folder-dialog", "", opener, async (name) => {
    const created = await call("folders", { parent_id: folderId(), name });
    const [row] = insertRows(parseRows(created.row));
    toast(say("created", { name: created.name }));
    return row ? nameLink(row) : null;
  });
}

function rename(row) {
  openNameDialog("rename-dialog", row.dataset.name, nameLink(row), async (name) => {
    const renamed = await call("rename", { file_id: row.dataset.id, name });
    const [fresh] = parseRows(renamed.row);
    fresh.querySelector("input[name=ids]").checked = row.querySelector("input[name=ids]").checked;
    row.remove();
    const [placed] = insertRows([fresh]);
    toast(say("renamed", { name: renamed.name }));
    return placed ? nameLink(placed) : null;
  });
}

document.addEventListener("submit", async (event) => {
  const dialog = event.target.closest("dialog.name-dialog");
  if (!dialog) return;
  event.preventDefault();
  const input = dialog.querySelector("input[name=name]");
  const button = dialog.querySelector("button[type=submit]");
  if (!input.value.trim()) { showError(dialog, say("emptyName")); input.focus(); return; }
  button.disabled = true;
  try {
    const focus = await dialog.submit(input.value);
    if (focus) dialog.returnTo = focus;
    dialog.close();
  } catch (error) {
    showError(dialog, error.message);
    input.focus();
  } finally {
    button.disabled = false;
  }
});

document.addEventListener("close", (event) => {
  if (event.target.matches?.("dialog.name-dialog") && event.target.returnTo?.isConnected) event.target.returnTo.focus();
}, true);

// --- Menus --------------------------------------------------------------------------------------
function openRowMenu(row, where) {
  const menu = document.getElementById("row-menu");
  menuRow = row;
  for (const item of menu.querySelectorAll("[data-only]")) item.hidden = item.dataset.only !== row.dataset.type;
  menu.setAttribute("aria-label", row.dataset.name);
  openMenu(menu, { returnTo: where.opener || nameLink(row), ...where });
}

function act(action, row) {
  const ids = [row.dataset.id];
  if (action === "open" && row.dataset.type === "folder") nameLink(row).click();
  else if (["open", "share", "details", "versions"].includes(action)) emit("drive:action", { action, ids, rows: [row] });
  else if (action === "download") location.assign(row.querySelector("a[href$='/download']").href);
  else if (action === "rename") rename(row);
  else if (action === "move" || action === "copy") moveOrCopy(action, { all: false, ids }, nameLink(row));
  else if (action === "trash") trash({ all: false, ids });
}

document.addEventListener("click", (event) => {
  const target = event.target;
  const newButton = target.closest(".new-button");
  if (newButton) { openMenu(document.getElementById("new-menu"), { opener: newButton }); return; }
  const more = target.closest("table.files .row-more");
  if (more) { openRowMenu(more.closest("tr[data-id]"), { opener: more }); return; }
  const item = target.closest(".menu [role=menuitem][data-action]");
  if (item && item.closest("#new-menu")) {
    const opener = document.querySelector(".new-button[aria-expanded=true]");
    closeMenu({ focus: item.dataset.action !== "new-folder" });
    if (item.dataset.action === "new-folder") newFolder(opener);
    else emit("drive:action", { action: item.dataset.action, ids: [], rows: [] });
    return;
  }
  if (item && item.closest("#row-menu") && menuRow) {
    const row = menuRow;
    closeMenu({ focus: true });
    act(item.dataset.action, row);
    return;
  }
  if (target.closest("dialog.name-dialog [data-close]")) { target.closest("dialog").close(); return; }
  // A file's name and its Share button open in the page (the viewer, the share dialog); the
  // links stay for a new tab, a middle click, and pages without scripts.
  const link = target.closest("table.files a[data-open], table.files a.quick[data-action]");
  if (link && event.button === 0 && !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) {
    event.preventDefault();
    const row = link.closest("tr[data-id]");
    emit("drive:action", { action: link.dataset.action || "open", ids: [row.dataset.id], rows: [row] });
  }
});

document.addEventListener("contextmenu", (event) => {
  const row = event.target.closest("table.files tr[data-id]");
  if (!row || event.target.closest("input")) return;
  event.preventDefault();
  if (event.button === 2 || event.clientX || event.clientY) openRowMenu(row, { x: event.clientX, y: event.clientY });
  else openRowMenu(row, { opener: row.querySelector(".row-more") });
});

// The selection bar: trash in place (with Undo); move and copy choose a folder in a dialog.
document.addEventListener("submit", (event) => {
  if (event.target.id !== "selection") return;
  const operation = event.submitter?.value;
  if (operation === "trash") { event.preventDefault(); trash(selection()); }
  else if (operation === "move" || operation === "copy") { event.preventDefault(); moveOrCopy(operation, selection(), event.submitter); }
});

// --- Keyboard: F2 renames, Delete trashes, ContextMenu and Shift+F10 open the row's menu -----
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input:not([type=checkbox]), textarea, select, dialog, .menu")) return;
  const row = event.target.closest("table.files tr[data-id]");
  if (!row) return;
  if (event.key === "ContextMenu" || (event.key === "F10" && event.shiftKey)) {
    event.preventDefault();
    openRowMenu(row, { opener: row.querySelector(".row-more"), returnTo: document.activeElement });
  } else if (event.key === "F2" && can("rename")) {
    event.preventDefault();
    rename(row);
  } else if (event.key === "Delete" && can("trash")) {
    event.preventDefault();
    const picked = checkedRows();
    trash(picked.length ? selection() : { all: false, ids: [row.dataset.id] });
  }
});

// --- Dragging rows onto a folder row or a breadcrumb moves them --------------------------------
const targetOf = (event) => {
  const types = [...(event.dataTransfer?.types || [])];
  if (!types.includes(DRAG_TYPE) || types.includes("Files")) return null;
  const target = event.target.closest?.("table.files tr[data-type=folder], .breadcrumbs a[data-folder-id]");
  const id = target && (target.dataset.folderId || target.dataset.id);
  // "All in this folder" goes into one of its folders too: the server leaves the target out.
  return id && id !== folderId() && (dragAll || !dragIds.includes(id)) ? { target, id } : null;
};

document.addEventListener("dragstart", (event) => {
  const row = event.target.closest?.("table.files tr[data-id]");
  if (!row) return;
  if (!can("move")) { event.preventDefault(); return; } // nothing here moves: no drag
  const picked = checkedRows();
  dragAll = selectingAll() && picked.includes(row);
  dragIds = (picked.includes(row) ? picked : [row]).map((each) => each.dataset.id);
  event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(dragIds));
  event.dataTransfer.effectAllowed = "move";
  for (const id of dragIds) rowOf(id)?.classList.add("is-dragged");
});
document.addEventListener("dragend", () => {
  for (const row of document.querySelectorAll(".is-dragged")) row.classList.remove("is-dragged");
  dragIds = [];
  dragAll = false;
});
document.addEventListener("dragover", (event) => {
  const found = targetOf(event);
  if (!found) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  document.querySelectorAll(".drop-target").forEach((other) => { if (other !== found.target) other.classList.remove("drop-target"); });
  found.target.classList.add("drop-target");
});
document.addEventListener("dragleave", (event) => {
  const target = event.target.closest?.(".drop-target");
  if (target && !target.contains(event.relatedTarget)) target.classList.remove("drop-target");
});
document.addEventListener("drop", (event) => {
  const found = targetOf(event);
  if (!found) return;
  event.preventDefault();
  found.target.classList.remove("drop-target");
  if (dragAll) { move({ all: true }, found.id); return; } // every item, as the bar's Move does
  let ids = [];
  try { ids = JSON.parse(event.dataTransfer.getData(DRAG_TYPE)); } catch { return; }
  ids = ids.filter((id) => typeof id === "string" && id !== found.id);
  if (ids.length) move({ all: false, ids }, found.id);
});

document.addEventListener("drive:navigated", () => { closeMenu({ focus: false }); menuRow = null; update(); });
update();
markReady("folder-actions");
