// A place's page (templates/files/place.html): a click on a photo opens it in the Photos
// viewer (photos-viewer.js), which steps through the page's photos in its order.
import { fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";
import { viewGrid } from "./photos-viewer.js";

const grid = () => document.querySelector(".album-grid");

viewGrid({ grid, tile: ".album-tile", link: ".album-open", home: () => grid()?.querySelector(".album-open") || document.querySelector(".breadcrumbs a") });

// Photos trashed from the viewer and put back by Undo (photos-select.js): the page again.
document.addEventListener("photos:changed", async () => {
  const fresh = (await fetchFragment(location.href).catch(() => null))?.querySelector(".album-grid");
  if (fresh && grid()) grid().replaceWith(fresh);
});
markReady("places-place");
