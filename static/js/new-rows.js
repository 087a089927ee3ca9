// A file that has just been uploaded (or a folder a folder upload created) appears in the
// list at once: its row, rendered by the server as the listing renders it, is put where the
// listing's order puts it among the loaded rows (rows.js; outside those pages it is left
// for scrolling to bring).
import { insertRows, parseRows } from "./rows.js";
import { api, base } from "./ui.js";

const listing = document.getElementById("listing");

// Show the item `fileId`, just created in folder `parentId`, if that folder is on screen.
export async function showRow(fileId, parentId) {
  if (!listing || listing.dataset.folderId !== parentId) return;
  let answer;
  try {
    answer = await api("GET", `${base}api/actions/rows?${new URLSearchParams({ ids: fileId })}`);
  } catch {
    return; // the list stays as it was; a reload shows the new file
  }
  if (listing.dataset.folderId !== parentId) return; // moved on meanwhile
  insertRows(parseRows(answer.rows));
}
