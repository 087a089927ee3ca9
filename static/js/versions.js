// A file's versions, in a dialog opened by drive:action "versions" (the row menu's Versions, the
// details panel's Versions button): each with when, size and who, the current one marked; a
// version downloads, is restored (the file's row in the list then shows the new size and time),
// is kept forever, or is deleted. The server renders the rows (files/version_views.py,
// templates/files/_version_rows.html); "Show more" brings the next page. Also the details
// panel's Activity "Show more". Everything is delegated, so it survives drive:navigated.
import { api, emit, fetchFragment, parseHtml, toast } from "./ui.js";
import { insertRows, parseRows, rowOf } from "./rows.js";
import { markReady } from "./ready.js";

const dialog = document.getElementById("versions-dialog");
const confirmDialog = document.getElementById("versions-confirm");
const list = dialog.querySelector("[data-versions-list]");
const more = dialog.querySelector("[data-versions-more]");
const failed = dialog.querySelector("[data-versions-error]");
const status = dialog.querySelector("[data-versions-status]");
const heading = dialog.querySelector("#versions-title");
const text = dialog.dataset;

let fileId = null;
let nextMarker = "";
let returnTo = null;
let busy = false;

const urlOf = (template, revisionId = "") =>
  template.replace("FILE_ID", encodeURIComponent(fileId)).replace("REVISION_ID", encodeURIComponent(revisionId));
const fill = (template, values) => Object.entries(values).reduce((out, [key, value]) => out.replace(`%(${key})s`, value), template);
const itemsOf = (html) => [...parseHtml(html).children];

function say(message, { error = false } = {}) {
  failed.textContent = error ? message : "";
  status.textContent = error ? "" : message;
  if (message) (error ? failed : status).scrollIntoView({ block: "nearest" });
}

// --- Asking first: a small modal over the dialog; resolves true for the OK button -----------
function ask(title, body, ok, { danger = false } = {}) {
  confirmDialog.querySelector("#versions-confirm-title").textContent = title;
  confirmDialog.querySelector("#versions-confirm-text").textContent = body;
  const button = confirmDialog.querySelector("[data-confirm-ok]");
  button.textContent = ok;
  button.classList.toggle("btn-danger", danger);
  button.classList.toggle("btn-primary", !danger);
  const opener = document.activeElement;
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
  return new Promise((resolve) => {
    confirmDialog.addEventListener("close", () => {
      if (opener?.isConnected) opener.focus();
      resolve(confirmDialog.returnValue === "ok");
    }, { once: true });
  });
}

// --- The list ---------------------------------------------------------------------------------
async function load({ append = false } = {}) {
  const opened = fileId;
  list.setAttribute("aria-busy", "true");
  more.disabled = true;
  try {
    const query = append && nextMarker ? `?${new URLSearchParams({ marker: nextMarker })}` : "";
    const answer = await api("GET", urlOf(text.list) + query);
    if (opened !== fileId) return [];
    if (answer.file) dialog.querySelector("[data-versions-name]").textContent = answer.file.name;
    const items = itemsOf(answer.rows);
    if (append) list.append(...items); else list.replaceChildren(...items);
    nextMarker = answer.next_marker || "";
    more.hidden = !nextMarker;
    return items;
  } catch (error) {
    say(error.message, { error: true });
    return [];
  } finally {
    list.setAttribute("aria-busy", "false");
    more.disabled = false;
  }
}

function open(id, name) {
  returnTo = dialog.contains(document.activeElement) ? returnTo : document.activeElement;
  fileId = id;
  nextMarker = "";
  say("");
  list.replaceChildren();
  more.hidden = true;
  dialog.querySelector("[data-versions-name]").textContent = name || "";
  if (!dialog.open) dialog.showModal();
  heading.focus();
  load();
}

// The file's row in the list, as the server now renders it (new size and modified time).
function refreshRow(html) {
  const old = rowOf(fileId);
  const [fresh] = parseRows(html);
  if (!old || !fresh) return;
  const box = old.querySelector("input[name=ids]");
  if (box) fresh.querySelector("input[name=ids]").checked = box.checked;
  insertRows([fresh]); // the old row of the same id goes
}

// --- Actions of a version -----------------------------------------------------------------------
// One action at a time; a version found gone (404) leaves the list with the message why.
async function act(work, item = null) {
  if (busy) return;
  busy = true;
  try {
    await work();
  } catch (error) {
    if (error.status === 404 && item?.isConnected) {
      (item.nextElementSibling || item.previousElementSibling || heading).focus();
      item.remove();
    }
    say(error.message, { error: true });
  } finally {
    busy = false;
  }
}

function restore(item) {
  return act(async () => {
    const number = item.dataset.version;
    const sure = await ask(fill(text.restoreTitle, { number }), text.restoreText, text.restoreOk);
    if (!sure) return;
    const answer = await api("POST", urlOf(text.restore, item.dataset.revisionId), {});
    refreshRow(answer.row);
    nextMarker = "";
    const [current] = await load();
    say(answer.message);
    toast(answer.message);
    emit("drive:file-changed", { fileId });
    (current || heading).focus();
  }, item);
}

function keep(item, button) {
  return act(async () => {
    const keepForever = button.getAttribute("aria-pressed") !== "true";
    const answer = await api("POST", urlOf(text.keep, item.dataset.revisionId), { keep_forever: keepForever });
    const [fresh] = itemsOf(answer.row);
    item.replaceWith(fresh);
    fresh.querySelector("[data-version-keep]").focus();
    say(answer.message);
  }, item);
}

function remove(item) {
  return act(async () => {
    const number = item.dataset.version;
    const sure = await ask(fill(text.deleteTitle, { number }), text.deleteText, text.deleteOk, { danger: true });
    if (!sure) return;
    const answer = await api("POST", urlOf(text.delete, item.dataset.revisionId), {});
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    (next || heading).focus();
    say(answer.message);
    emit("drive:file-changed", { fileId });
  }, item);
}

dialog.addEventListener("click", (event) => {
  const target = event.target;
  if (target.closest("[data-versions-close]")) { dialog.close(); return; }
  if (target.closest("[data-versions-more]")) {
    act(async () => {
      const [first] = await load({ append: true });
      (first || heading).focus();
    });
    return;
  }
  const item = target.closest("li[data-revision-id]");
  if (!item) return;
  const keepButton = target.closest("[data-version-keep]");
  if (target.closest("[data-version-restore]")) restore(item);
  else if (keepButton) keep(item, keepButton);
  else if (target.closest("[data-version-delete]")) remove(item);
});

// Focus goes back where the dialog was opened from; when that control was replaced, to its
// new self: the details panel's new Versions button (the panel reloaded after a restore), or
// the same control of the file's new row (a restore replaced the row).
dialog.addEventListener("close", () => {
  const usable = (element) => element?.isConnected && element !== document.body && element.checkVisibility();
  const id = fileId || "";
  const row = rowOf(id);
  const inRow = row && returnTo?.matches?.(".row-more") ? row.querySelector(".row-more") : row?.querySelector("td.name a");
  const opener = document.querySelector(`[data-versions-open="${CSS.escape(id)}"]`);
  const back = [returnTo, opener, inRow].find(usable);
  back?.focus({ preventScroll: true });
  fileId = null;
  returnTo = null;
});

document.addEventListener("drive:action", (event) => {
  const { action, ids = [], rows = [] } = event.detail || {};
  if (action === "versions" && ids.length) open(ids[0], rows[0]?.dataset.name || "");
});

// The details panel's Versions button, and its Activity's "Show more".
document.addEventListener("click", async (event) => {
  const opener = event.target.closest("[data-versions-open]");
  if (opener) {
    const row = rowOf(opener.dataset.versionsOpen);
    emit("drive:action", { action: "versions", ids: [opener.dataset.versionsOpen], rows: row ? [row] : [], name: opener.dataset.name });
    if (!row) dialog.querySelector("[data-versions-name]").textContent = opener.dataset.name || "";
    return;
  }
  const showMore = event.target.closest("[data-activity-more]");
  if (!showMore) return;
  showMore.disabled = true;
  try {
    const content = await fetchFragment(showMore.dataset.activityMore);
    if (!content) return;
    const items = [...content.children];
    const holder = showMore.closest("li");
    holder.replaceWith(...items);
    items[0]?.focus();
  } catch (error) {
    showMore.disabled = false;
    toast(error.message, { error: true });
  }
});

document.addEventListener("drive:navigated", () => { if (dialog.open) dialog.close(); });
markReady("versions");
