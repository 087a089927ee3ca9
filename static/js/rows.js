// The rows of the folder page's listing (templates/files/_rows.html: tr[data-id][data-type]
// [data-name][data-size][data-updated]), inserted and removed in place, in the listing's sort
// order (table.files[data-sort][data-dir], the PDS's: by the key, then by file_id).
import { emit, parseHtml } from "./ui.js";

export const table = () => document.querySelector("#listing table.files") || document.querySelector("table.files");
export const allRows = () => [...document.querySelectorAll("table.files tr[data-id]")];
export const rowOf = (id) => document.querySelector(`table.files tr[data-id="${CSS.escape(id)}"]`);
export const folderId = () => document.getElementById("listing")?.dataset.folderId || "root";

function key(row, sort) {
  if (sort === "size") return Number(row.dataset.size || 0);
  if (sort === "modified") return row.dataset.updated || "";
  return row.dataset.name || "";
}

// The PDS compares names as SQLite's BINARY collation does: by the bytes of their UTF-8,
// which is the order of their code points (not of UTF-16 units, JavaScript's `<`).
function byCodePoints(a, b) {
  if (a === b) return 0;
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done || q.done) return p.done ? (q.done ? 0 : -1) : 1;
    const difference = p.value.codePointAt(0) - q.value.codePointAt(0);
    if (difference) return difference;
  }
}

// Negative when row `a` comes before row `b` in the listing's order.
export function compareRows(a, b) {
  const { sort = "name", dir = "asc" } = table()?.dataset || {};
  const [x, y] = [key(a, sort), key(b, sort)];
  let order = typeof x === "number" ? x - y : byCodePoints(x, y);
  if (order === 0) order = byCodePoints(a.dataset.id, b.dataset.id);
  return dir === "desc" ? -order : order;
}

export function parseRows(html) {
  return [...parseHtml(html).querySelectorAll("tr[data-id]")];
}

// Show the table, or the empty state when no row is left.
export function syncEmpty() {
  const list = table();
  if (!list) return;
  const empty = list.parentElement.querySelector(".empty");
  const any = list.querySelector("tr[data-id]") !== null;
  list.hidden = !any;
  if (empty) empty.hidden = any;
}

// The DOM holds a bounded number of rows: the pages browse.js keeps (MAX_PAGES of a PDS page,
// PAGE_ROWS rows, each), plus one page's worth of rows made in place (uploads, new folders).
export const MAX_PAGES = 5;
export const PAGE_ROWS = 200;
export const MAX_LOADED_ROWS = (MAX_PAGES + 1) * PAGE_ROWS;

// The first index of `rows` (in the listing's order) that `row` comes before; rows.length if none.
function placeOf(row, rows) {
  let [low, high] = [0, rows.length];
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareRows(row, rows[middle]) < 0) high = middle; else low = middle + 1;
  }
  return low;
}

// Put a row where the order puts it among the loaded rows (`rows`, kept up to date); a row that
// belongs to a page not loaded (below the last one, with more to come, or above the first when
// pages were dropped) is left for that page, and so is any row past MAX_LOADED_ROWS (a reload
// or scrolling back shows it). Returns the row when it was inserted.
function placeRow(row, list, rows) {
  // The same item again, or a file replaced under the same name: the old row goes.
  for (let i = rows.length - 1; i >= 0; i--) {
    const old = rows[i];
    if (old.dataset.id === row.dataset.id || (old.dataset.name === row.dataset.name && old.dataset.type === row.dataset.type)) {
      old.remove();
      rows.splice(i, 1);
    }
  }
  if (rows.length >= MAX_LOADED_ROWS) return null;
  const bodies = list.tBodies;
  const index = placeOf(row, rows);
  const next = rows[index];
  if (next) {
    if (index === 0 && bodies[0]?.dataset.marker) return null;
    next.before(row);
  } else {
    const last = bodies[bodies.length - 1];
    if (!last || last.dataset.next) return null;
    const more = last.querySelector("tr.more");
    if (more) more.before(row); else last.append(row);
  }
  rows.splice(index, 0, row);
  return row;
}

export function insertRow(row) {
  const list = table();
  return list ? placeRow(row, list, allRows()) : null;
}

export function insertRows(rows) {
  const list = table();
  const loaded = list ? allRows() : [];
  const inserted = list ? rows.map((row) => placeRow(row, list, loaded)).filter(Boolean) : [];
  syncEmpty();
  emit("drive:rows-changed", {});
  return inserted;
}

// Take the rows of these ids out, in one pass over the rows.
export function removeRows(ids) {
  const gone = ids instanceof Set ? ids : new Set(ids);
  for (const row of allRows()) if (gone.has(row.dataset.id)) row.remove();
  syncEmpty();
  emit("drive:rows-changed", {});
}
