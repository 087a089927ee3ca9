// The details panel (a .side-panel <dialog>; a bottom sheet at phone width), on drive:action
// "details": the server renders its content (files/_details.html). Esc or Close puts focus back
// where it was. Over the viewer it opens modal, so that it sits above it.
import { emit, fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";

const panel = document.getElementById("details-panel");
const body = panel.querySelector("[data-details-body]");
const failed = panel.querySelector("[data-details-error]");
const heading = panel.querySelector("#details-title");

let current = null;
let returnTo = null;
let loading = null;

// Where focus goes back to: the control that opened the panel, unless it has gone or hidden
// (a menu's item), then the item's link.
const focusable = (element) => element?.isConnected && element !== document.body && element.checkVisibility();
const rowOf = (id) => document.querySelector(`#listing tr[data-id="${CSS.escape(id)}"]`);

async function load(id) {
  loading?.abort();
  loading = new AbortController();
  failed.hidden = true;
  body.setAttribute("aria-busy", "true");
  try {
    const url = panel.dataset.fragment.replace("FILE_ID", encodeURIComponent(id));
    const content = await fetchFragment(url, { signal: loading.signal });
    if (content && current === id) body.replaceChildren(content);
  } catch (error) {
    if (error.name !== "AbortError") failed.hidden = false;
  } finally {
    if (current === id) body.setAttribute("aria-busy", "false");
  }
}

function open(id) {
  const overViewer = document.getElementById("viewer")?.open;
  if (!panel.open || current !== id) returnTo = panel.contains(document.activeElement) ? returnTo : document.activeElement;
  if (panel.open && overViewer !== panel.matches(":modal")) panel.close();
  current = id;
  body.replaceChildren();
  if (!panel.open) {
    if (overViewer) panel.showModal();
    else panel.show();
  }
  heading.focus();
  load(id);
}

function close() {
  if (panel.open) panel.close();
}

panel.addEventListener("close", () => {
  loading?.abort();
  const back = focusable(returnTo) ? returnTo : rowOf(current)?.querySelector("td.name a");
  back?.focus({ preventScroll: true });
  returnTo = null;
});
// A panel shown without showModal() does not close on Esc by itself.
panel.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !event.defaultPrevented) {
    event.preventDefault();
    close();
  }
});
panel.addEventListener("click", (event) => {
  if (event.target.closest("[data-details-close]")) close();
  const share = event.target.closest("[data-share-open], [data-share-edit]");
  if (share) {
    const row = rowOf(current);
    emit("drive:action", {
      action: "share",
      ids: [current],
      rows: row ? [row] : [],
      shareId: share.dataset.shareEdit || "",
    });
  }
});

document.addEventListener("drive:action", (event) => {
  const { action, ids = [] } = event.detail || {};
  if (action === "details" && ids.length) open(ids[0]);
});
document.addEventListener("drive:shares-changed", (event) => {
  if (panel.open && event.detail.fileId === current) load(current);
});
// A version restored or deleted (versions.js): the size, dates and activity changed.
document.addEventListener("drive:file-changed", (event) => {
  if (panel.open && event.detail.fileId === current) load(current);
});
document.addEventListener("drive:navigated", close);
markReady("details");
