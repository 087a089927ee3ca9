// Folder pages: pages of rows come from the server by PDS marker as the user scrolls, and
// only a few pages stay in the DOM (a folder of 100,000 entries costs the page what one
// of 500 does); select with shift-click; move through rows with the keyboard.
import { markReady } from "./ready.js";

const MAX_PAGES = 5;
const table = document.querySelector("table.files");
const first = document.getElementById("rows");

// Each page of rows is its own <tbody data-marker>, the marker that fetched it.
let loading = false;
function pages() { return [...table.querySelectorAll("tbody[data-marker]")]; }

async function fetchPage(marker) {
  const url = new URL(location.href);
  url.searchParams.set("marker", marker);
  url.searchParams.set("partial", "1");
  const response = await fetch(url, { headers: { "X-Requested-With": "fetch" } });
  if (!response.ok) return null;
  const body = document.createElement("tbody");
  body.dataset.marker = marker;
  body.innerHTML = await response.text();
  const more = body.querySelector("tr.more");
  body.dataset.next = more ? new URL(more.dataset.next, location.href).searchParams.get("marker") : "";
  if (more) more.remove();
  return body;
}

async function loadBelow() {
  const last = pages().at(-1);
  if (loading || !last || !last.dataset.next) return;
  loading = true;
  const body = await fetchPage(last.dataset.next);
  if (body) {
    last.after(body);
    if (pages().length > MAX_PAGES) {
      const top = pages()[0];
      const height = top.getBoundingClientRect().height;
      top.remove();
      window.scrollBy(0, -height);
    }
  }
  loading = false;
}

async function loadAbove() {
  const top = pages()[0];
  const index = markers.indexOf(top.dataset.marker);
  if (loading || index <= 0) return;
  loading = true;
  const body = await fetchPage(markers[index - 1]);
  if (body) {
    top.before(body);
    window.scrollBy(0, body.getBoundingClientRect().height);
    if (pages().length > MAX_PAGES) pages().at(-1).remove();
  }
  loading = false;
}

// Markers of every page seen, in order, so pages dropped above can be fetched again.
const markers = [""];
const seen = new MutationObserver(() => {
  for (const body of pages()) if (body.dataset.next && !markers.includes(body.dataset.next)) markers.push(body.dataset.next);
});

function watch() {
  const below = document.createElement("div");
  const above = document.createElement("div");
  below.className = above.className = "sentinel";
  table.after(below);
  table.before(above);
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadBelow().then(() => setTimeout(recheck, 50)); }, { rootMargin: "600px" }).observe(below);
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadAbove(); }, { rootMargin: "300px" }).observe(above);
  function recheck() {
    if (below.getBoundingClientRect().top < innerHeight + 600) loadBelow().then(() => setTimeout(recheck, 50));
  }
}

let lastChecked = null;
function onClick(event) {
  const box = event.target.closest("input[type=checkbox][name=ids]");
  if (!box) return;
  if (event.shiftKey && lastChecked) {
    const boxes = [...table.querySelectorAll("input[type=checkbox][name=ids]")];
    const [a, b] = [boxes.indexOf(lastChecked), boxes.indexOf(box)].sort((x, y) => x - y);
    boxes.slice(a, b + 1).forEach((other) => { other.checked = box.checked; });
  }
  lastChecked = box;
}

function onKey(event) {
  if (event.target.matches("input:not([type=checkbox]), textarea, select")) return;
  const all = [...table.querySelectorAll("tr[data-id]")];
  const current = document.activeElement.closest && document.activeElement.closest("tr[data-id]");
  const index = all.indexOf(current);
  const focusRow = (row) => row && row.querySelector("td.name a").focus();
  if (event.key === "ArrowDown") { event.preventDefault(); focusRow(all[Math.min(index + 1, all.length - 1)]); }
  else if (event.key === "ArrowUp") { event.preventDefault(); focusRow(all[Math.max(index - 1, 0)]); }
  else if (current && event.key === " " && !event.target.matches("input")) { event.preventDefault(); const box = current.querySelector("input[name=ids]"); box.checked = !box.checked; }
  else if (current && event.key === "F2") { event.preventDefault(); current.querySelector("td.actions a").click(); }
  else if (current && event.key === "Delete") {
    const box = current.querySelector("input[name=ids]");
    if (!table.querySelector("input[name=ids]:checked")) box.checked = true;
    event.preventDefault();
    document.querySelector("#selection button[value=trash]").click();
  }
}

if (table && first) {
  first.dataset.marker = "";
  const more = first.querySelector("tr.more");
  first.dataset.next = more ? new URL(more.dataset.next, location.href).searchParams.get("marker") : "";
  if (more) more.remove();
  seen.observe(table, { childList: true });
  if (first.dataset.next) markers.push(first.dataset.next);
  watch();
  table.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
}
markReady("browse");
