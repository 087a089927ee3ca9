// The viewer: a file of the folder shown over the list (a modal <dialog>), on drive:action
// "open". Previous and next (buttons, ArrowLeft and ArrowRight) go through the files among the
// loaded rows; Esc or Close returns to the list where it was, focus on the file's link.
// The content is the preview page's own part (files/_preview_body.html, `?fragment=1`).
// ?preview=<id> in the address reopens the file after a reload.
import { emit, fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";

const viewer = document.getElementById("viewer");
const body = viewer.querySelector("[data-viewer-body]");
const title = viewer.querySelector("#viewer-title bdi");
const position = viewer.querySelector("[data-viewer-position]");
const failed = viewer.querySelector("[data-viewer-error]");
const button = (name) => viewer.querySelector(`[data-viewer="${name}"]`);
const [previous, next, download] = [button("prev"), button("next"), button("download")];

let current = null; // the file shown
let scrollY = null; // the list's scroll position when the viewer opened
let loading = null;

const urlOf = (template, id) => template.replace("FILE_ID", encodeURIComponent(id));
const rowOf = (id) => document.querySelector(`#listing tr[data-id="${CSS.escape(id)}"]`);
const fileRows = () => [...document.querySelectorAll('#listing tr[data-id][data-type="file"]')];

function address(id) {
  const url = new URL(location.href);
  if (id) url.searchParams.set("preview", id);
  else url.searchParams.delete("preview");
  return url.pathname + url.search + url.hash;
}

function place(id) {
  const rows = fileRows();
  const index = rows.findIndex((row) => row.dataset.id === id);
  previous.disabled = index <= 0;
  next.disabled = index < 0 || index >= rows.length - 1;
  position.textContent = index >= 0 ? `${index + 1} / ${rows.length}` : "";
  return { rows, index };
}

async function show(id) {
  current = id;
  title.textContent = rowOf(id)?.dataset.name || "";
  download.href = urlOf(viewer.dataset.download, id);
  place(id);
  loading?.abort();
  loading = new AbortController();
  failed.hidden = true;
  body.replaceChildren(); // a playing video stops
  body.setAttribute("aria-busy", "true");
  history.replaceState(history.state, "", address(id));
  try {
    const content = await fetchFragment(urlOf(viewer.dataset.fragment, id), { signal: loading.signal });
    if (!content || current !== id) return;
    body.replaceChildren(content);
    const part = body.querySelector(".preview");
    if (part?.dataset.name) title.textContent = part.dataset.name;
  } catch (error) {
    if (error.name !== "AbortError") failed.hidden = false;
  } finally {
    if (current === id) body.setAttribute("aria-busy", "false");
  }
}

function open(id) {
  if (!viewer.open) {
    scrollY = window.scrollY;
    viewer.showModal();
  }
  show(id);
  button("close").focus();
}

function step(by) {
  const { rows, index } = place(current);
  const target = rows[index + by];
  if (target) show(target.dataset.id);
}

viewer.addEventListener("close", () => {
  loading?.abort();
  body.replaceChildren();
  history.replaceState(history.state, "", address(null));
  const link = rowOf(current)?.querySelector("td.name a");
  link?.focus({ preventScroll: true });
  if (scrollY !== null) window.scrollTo({ top: scrollY, behavior: "instant" });
  current = null;
});

previous.addEventListener("click", () => step(-1));
next.addEventListener("click", () => step(1));
button("close").addEventListener("click", () => viewer.close());
button("details").addEventListener("click", () => {
  const row = rowOf(current);
  emit("drive:action", { action: "details", ids: [current], rows: row ? [row] : [] });
});
viewer.addEventListener("keydown", (event) => {
  if (event.target.closest("video, audio, input, textarea, select")) return;
  if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    event.preventDefault();
    step(event.key === "ArrowLeft" ? -1 : 1);
  }
});
// A click on the backdrop (outside the dialog's box) closes it too.
viewer.addEventListener("click", (event) => {
  if (event.target === viewer) viewer.close();
});

document.addEventListener("drive:action", (event) => {
  const { action, ids = [], rows = [] } = event.detail || {};
  if (action !== "open" || !ids.length) return;
  const row = rows[0] || rowOf(ids[0]);
  if (row?.dataset.type === "folder") {
    row.querySelector("td.name a")?.click();
    return;
  }
  open(ids[0]);
});
document.addEventListener("drive:navigated", () => {
  scrollY = null; // another folder's list: nothing to return to
  if (viewer.open) viewer.close();
});

const asked = new URL(location.href).searchParams.get("preview");
if (asked) open(asked);
markReady("viewer");
