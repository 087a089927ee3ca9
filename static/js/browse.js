// Folder pages: pages of rows come from the server by PDS marker as the user scrolls, and
// only a few pages stay in the DOM (a folder of 100,000 entries costs the page what one
// of 500 does); select with shift-click; move through rows with the arrow keys, Space selects.
// When another module puts another folder's listing in #listing (drive:navigated), it starts
// again on the new table. (Row actions and their keys: folder-actions.js.)
import { markReady } from "./ready.js";
import { MAX_PAGES } from "./rows.js";

let table = null;
let loading = false;
let markers = [""];
let watchers = [];
let lastChecked = null;

// Each page of rows is its own <tbody data-marker>, the marker that fetched it.
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
  const mine = table;
  const body = await fetchPage(last.dataset.next);
  if (body && mine === table && last.isConnected) {
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
  const index = top ? markers.indexOf(top.dataset.marker) : -1;
  if (loading || index <= 0) return;
  loading = true;
  const mine = table;
  const body = await fetchPage(markers[index - 1]);
  if (body && mine === table && top.isConnected) {
    top.before(body);
    window.scrollBy(0, body.getBoundingClientRect().height);
    if (pages().length > MAX_PAGES) pages().at(-1).remove();
  }
  loading = false;
}

function stop() {
  for (const watcher of watchers) watcher.disconnect();
  watchers = [];
  for (const sentinel of document.querySelectorAll(".sentinel")) sentinel.remove();
}

function watch() {
  // Markers of every page seen, in order, so pages dropped above can be fetched again.
  const seen = new MutationObserver(() => {
    for (const body of pages()) if (body.dataset.next && !markers.includes(body.dataset.next)) markers.push(body.dataset.next);
  });
  seen.observe(table, { childList: true });
  const below = document.createElement("div");
  const above = document.createElement("div");
  below.className = above.className = "sentinel";
  table.after(below);
  table.before(above);
  const recheck = () => {
    if (below.isConnected && below.getBoundingClientRect().top < innerHeight + 600) loadBelow().then(() => setTimeout(recheck, 50));
  };
  const lower = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadBelow().then(() => setTimeout(recheck, 50)); }, { rootMargin: "600px" });
  const upper = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadAbove(); }, { rootMargin: "300px" });
  lower.observe(below);
  upper.observe(above);
  watchers = [seen, lower, upper];
}

function start() {
  stop();
  table = document.querySelector("table.files");
  const first = document.getElementById("rows");
  markers = [""];
  lastChecked = null;
  if (!table || !first) return;
  first.dataset.marker = "";
  const more = first.querySelector("tr.more");
  first.dataset.next = more ? new URL(more.dataset.next, location.href).searchParams.get("marker") : "";
  if (more) more.remove();
  if (first.dataset.next) markers.push(first.dataset.next);
  watch();
}

document.addEventListener("click", (event) => {
  const box = event.target.closest("table.files input[type=checkbox][name=ids]");
  if (!box) return;
  if (event.shiftKey && lastChecked && lastChecked.isConnected) {
    const boxes = [...table.querySelectorAll("input[type=checkbox][name=ids]")];
    const [a, b] = [boxes.indexOf(lastChecked), boxes.indexOf(box)].sort((x, y) => x - y);
    boxes.slice(a, b + 1).forEach((other) => { other.checked = box.checked; });
  }
  lastChecked = box;
});

document.addEventListener("keydown", (event) => {
  if (!table || event.target.closest("input:not([type=checkbox]), textarea, select, dialog, .menu")) return;
  const all = [...table.querySelectorAll("tr[data-id]")];
  const current = document.activeElement.closest && document.activeElement.closest("table.files tr[data-id]");
  if (!current) return;
  const index = all.indexOf(current);
  const focusRow = (row) => row && row.querySelector("td.name a").focus();
  if (event.key === "ArrowDown") { event.preventDefault(); focusRow(all[Math.min(index + 1, all.length - 1)]); }
  else if (event.key === "ArrowUp") { event.preventDefault(); focusRow(all[Math.max(index - 1, 0)]); }
  else if (event.key === " " && !event.target.matches("input")) { event.preventDefault(); current.querySelector("input[name=ids]").click(); }
});

document.addEventListener("drive:navigated", start);
start();
markReady("browse");
