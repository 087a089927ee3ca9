// The Photos search's results (templates/files/photo_search.html): a click on a photo opens
// it in the Photos viewer (photos-viewer.js), which steps through the results in their order.
import { fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";
import { viewGrid } from "./photos-viewer.js";

const grid = () => document.querySelector(".album-grid");

viewGrid({ grid, tile: ".album-tile", link: ".album-open", home: () => grid()?.querySelector(".album-open") || document.getElementById("photos-search-q") });

// Photos trashed from the viewer and put back by Undo (photos-select.js): the results again.
document.addEventListener("photos:changed", async () => {
  const fresh = (await fetchFragment(location.href).catch(() => null))?.querySelector(".album-grid");
  if (fresh && grid()) grid().replaceWith(fresh);
});
markReady("photo-search");
