// The Photos timeline (templates/files/photos.html): pages of photos by capture date come
// from the server as the person scrolls (files/_photos_page.html: .photos-page[data-key]
// [data-next][data-prev]), and only MAX_PAGES of them stay in the DOM: a page far above or
// below is dropped and fetched again when scrolled back to, so a library of 100,000 photos
// costs the page what one of 500 does. The scrubber jumps to a month (the page from that
// month's end); "On this day" shows photos of today's date in earlier years. Arrow keys move
// between photos, Space selects (photos-select.js), Enter or a click opens the viewer
// (photos-viewer.js).
import { fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";
import { selectionClick, syncTiles, toggleTile } from "./photos-select.js";
import { openViewer } from "./photos-viewer.js";

export const MAX_PAGES = 5;
const timeline = document.getElementById("timeline");
const scrubber = document.querySelector(".scrubber");
const pages = () => (timeline ? [...timeline.querySelectorAll(":scope > .photos-page")] : []);
const dropped = new Map(); // key of a page dropped above → the key of the page that was above it
let busy = false;
let generation = 0; // a jump starts again: answers for the old timeline are dropped

async function fetchPage(key) {
  timeline.dataset.fetching = "true"; // for whoever waits for the page to settle (the browser tests)
  let content;
  try {
    content = await fetchFragment(`${timeline.dataset.pageUrl}?${key}`);
  } finally {
    delete timeline.dataset.fetching;
  }
  const page = content?.querySelector(".photos-page");
  if (page) page.dataset.key = key;
  return page || null;
}

// Photos already shown (the pages above and below a time overlap at that instant) are left
// out of a new page; returns how many photos it still holds.
function withoutRepeats(page) {
  const shown = new Set([...timeline.querySelectorAll(".photo-tile")].map((tile) => tile.dataset.id));
  for (const tile of page.querySelectorAll(".photo-tile")) if (shown.has(tile.dataset.id)) tile.remove();
  for (const day of page.querySelectorAll(".photo-day")) if (!day.querySelector(".photo-tile")) day.remove();
  syncTiles(page);
  return page.querySelectorAll(".photo-tile").length;
}

// A day, month or year continued from the one above shows no heading of its own again.
export function joinDays() {
  let above = null;
  for (const day of timeline.querySelectorAll(".photo-day")) {
    day.querySelector(".photo-year").hidden = above?.dataset.year === day.dataset.year;
    day.querySelector(".photo-month").hidden = above?.dataset.month === day.dataset.month;
    day.querySelector(".photo-date").hidden = above?.dataset.day === day.dataset.day;
    above = day;
  }
}

// Change the DOM without moving what the person sees: `still` stays where it is on screen.
function keepStill(still, change) {
  const before = still.getBoundingClientRect().top;
  change();
  window.scrollBy(0, still.getBoundingClientRect().top - before);
}

function failed(error) {
  if (error?.name === "AbortError") return;
  const note = document.getElementById("timeline-status");
  if (note) note.textContent = timeline.dataset.failed;
}

export async function loadBelow() {
  const last = pages().at(-1);
  if (busy || !last || !last.dataset.next) return false;
  busy = true;
  const mine = generation;
  try {
    const page = await fetchPage(last.dataset.next);
    if (!page || mine !== generation || !last.isConnected) return false;
    if (!withoutRepeats(page)) {
      last.dataset.next = page.dataset.next === last.dataset.next ? "" : page.dataset.next;
      return false;
    }
    last.after(page);
    while (pages().length > MAX_PAGES) {
      const [top, next] = pages();
      keepStill(next, () => {
        dropped.set(top.dataset.key, top.dataset.prev);
        next.dataset.prev = top.dataset.key;
        top.remove();
      });
    }
    joinDays();
    return true;
  } catch (error) {
    failed(error);
    return false;
  } finally {
    busy = false;
  }
}

async function loadAbove() {
  const top = pages()[0];
  if (busy || !top || !top.dataset.prev) return false;
  busy = true;
  const mine = generation;
  const key = top.dataset.prev;
  try {
    const page = await fetchPage(key);
    if (!page || mine !== generation || !top.isConnected) return false;
    if (dropped.has(key)) page.dataset.prev = dropped.get(key);
    if (!withoutRepeats(page)) {
      top.dataset.prev = ""; // nothing newer
      return false;
    }
    keepStill(top, () => top.before(page));
    while (pages().length > MAX_PAGES) pages().at(-1).remove(); // the page above it names it in data-next
    joinDays();
    return true;
  } catch (error) {
    failed(error);
    return false;
  } finally {
    busy = false;
  }
}

// Jump to a month of the scrubber: the timeline starts again at that month's end.
async function jump(link) {
  generation += 1;
  busy = false;
  dropped.clear();
  const key = new URLSearchParams({ before: link.dataset.before }).toString();
  timeline.setAttribute("aria-busy", "true");
  try {
    const page = await fetchPage(key);
    if (!page) return;
    syncTiles(page);
    timeline.replaceChildren(page);
    joinDays();
    history.replaceState(history.state, "", `?${key}`);
    const month = timeline.querySelector(`.photo-day[data-month="${CSS.escape(link.dataset.month)}"]`) || timeline.querySelector(".photo-day");
    const heading = month?.querySelector(".photo-month");
    if (heading) {
      heading.hidden = false;
      heading.tabIndex = -1;
      heading.scrollIntoView({ block: "start" });
      heading.focus({ preventScroll: true });
    }
  } catch (error) {
    failed(error);
  } finally {
    timeline.setAttribute("aria-busy", "false");
    setTimeout(watchEdges, 50);
  }
}

// --- Scrolling: fetch before the person reaches an edge -------------------------------------------

const below = document.createElement("div");
const above = document.createElement("div");
below.className = above.className = "sentinel";

function near(sentinel, margin) {
  const box = sentinel.getBoundingClientRect();
  return sentinel.isConnected && box.top < innerHeight + margin && box.bottom > -margin;
}

async function watchEdges() {
  if (!timeline) return;
  if (near(below, 1500) && (await loadBelow())) setTimeout(watchEdges, 50);
  else if (near(above, 800) && (await loadAbove())) setTimeout(watchEdges, 50);
}

// Where the person is: the scrubber marks the month at the top of the screen.
function markPlace() {
  if (!scrubber) return;
  const top = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--header-height")) * 16 || 64;
  const day = [...timeline.querySelectorAll(".photo-day")].find((each) => each.getBoundingClientRect().bottom > top + 8);
  if (!day) return;
  for (const year of scrubber.querySelectorAll(".scrubber-year")) year.classList.toggle("is-current", year.dataset.year === day.dataset.year);
  for (const link of scrubber.querySelectorAll(".scrubber-months a")) {
    if (link.dataset.month === day.dataset.month) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

// --- Keys: arrows move between photos, Space selects ----------------------------------------------

function tileLinks(container) {
  return [...container.querySelectorAll(".photo-tile .photo-open")];
}

// The photo in the row below (down) or above of `link`, nearest its column.
function rowNeighbour(links, index, down) {
  const box = links[index].getBoundingClientRect();
  const step = down ? 1 : -1;
  let row = null;
  let best = null;
  for (let i = index + step; i >= 0 && i < links.length; i += step) {
    const other = links[i].getBoundingClientRect();
    const sameRow = Math.abs(other.top - box.top) < 2;
    if (sameRow) continue;
    if (row === null) row = other.top;
    if (Math.abs(other.top - row) >= 2) break;
    const distance = Math.abs(other.left - box.left);
    if (!best || distance < best.distance) best = { link: links[i], distance };
  }
  return best?.link || null;
}

async function onKey(event) {
  const link = event.target.closest?.(".photo-open");
  if (!link || event.altKey || event.ctrlKey || event.metaKey) return;
  const container = link.closest(".memories, #timeline");
  if (event.key === " ") {
    event.preventDefault();
    toggleTile(link.closest(".photo-tile"), { range: event.shiftKey });
    return;
  }
  const moves = { ArrowRight: "next", ArrowLeft: "prev", ArrowDown: "down", ArrowUp: "up" };
  const move = moves[event.key];
  if (!move) return;
  event.preventDefault();
  let links = tileLinks(container);
  let index = links.indexOf(link);
  let target = move === "next" ? links[index + 1] : move === "prev" ? links[index - 1] : rowNeighbour(links, index, move === "down");
  if (!target && container === timeline && (move === "next" || move === "down")) {
    if (await loadBelow()) {
      links = tileLinks(container);
      index = links.indexOf(link);
      target = move === "next" ? links[index + 1] : rowNeighbour(links, index, true);
    }
  }
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  }
}

// A click opens the photo in the viewer; while photos are selected it selects instead.
function onClick(event) {
  const link = event.target.closest(".photo-open");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey) return;
  event.preventDefault();
  const tile = link.closest(".photo-tile");
  if (selectionClick(tile, event)) return;
  const inStrip = tile.closest(".memories");
  const container = inStrip || timeline;
  openViewer(tile, {
    tiles: () => [...container.querySelectorAll(".photo-tile")],
    more: inStrip ? null : loadBelow,
    hasMore: () => !inStrip && Boolean(pages().at(-1)?.dataset.next),
    less: inStrip ? null : loadAbove,
    hasLess: () => !inStrip && Boolean(pages()[0]?.dataset.prev),
    home: () => container.querySelector(".photo-open"),
  });
}

// --- On this day -------------------------------------------------------------------------------------

async function loadMemories() {
  const strip = document.getElementById("on-this-day");
  if (!strip) return;
  const today = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const date = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  try {
    const content = await fetchFragment(`${strip.dataset.url}?date=${date}`);
    if (!content) return;
    strip.replaceChildren(content);
    syncTiles(strip);
    strip.hidden = !strip.querySelector(".photo-tile");
  } catch {
    strip.hidden = true; // a help, not the page: the timeline stays
  }
}

// A thumbnail that cannot be had (a video without a poster): the tile's own background, not a broken image.
document.addEventListener("error", (event) => {
  const tile = event.target.closest?.(".photo-tile");
  if (event.target.tagName === "IMG" && tile) tile.classList.add("no-thumb");
}, true);
document.addEventListener("keydown", onKey);
document.addEventListener("click", onClick);
if (timeline) {
  const status = document.createElement("p");
  status.id = "timeline-status";
  status.className = "timeline-status";
  status.setAttribute("role", "status");
  timeline.after(status);
  timeline.before(above);
  status.after(below);
  joinDays();
  let queued = false;
  addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      markPlace();
      watchEdges();
    });
  }, { passive: true });
  addEventListener("resize", () => watchEdges());
  scrubber?.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-before]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    jump(link);
  });
  // Photos trashed (photos-select.js): a day left empty went, and the one below may start a month.
  document.addEventListener("photos:trashed", () => joinDays());
  // Photos put back by Undo (photos-select.js): fetch the pages shown again.
  document.addEventListener("photos:changed", async () => {
    for (const page of pages()) {
      const fresh = await fetchPage(page.dataset.key).catch(() => null);
      if (fresh && page.isConnected) {
        fresh.dataset.prev = page.dataset.prev;
        syncTiles(fresh);
        page.replaceWith(fresh);
      }
    }
    joinDays();
  });
  markPlace();
  watchEdges();
}
loadMemories().finally(() => markReady("photos"));
