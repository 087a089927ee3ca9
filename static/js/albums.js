// The Albums page: "New album" asks for a name, makes the album (files/albums_views.py) and
// opens it.
import { api } from "./ui.js";
import { openNameDialog } from "./albums-dialogs.js";
import { markReady } from "./ready.js";

const createUrl = document.querySelector("script[data-create]").dataset.create;

document.querySelector("[data-album-new]").addEventListener("click", (event) => {
  openNameDialog("album-new-dialog", "", event.currentTarget, async (name) => {
    const created = await api("POST", createUrl, { name });
    location.assign(created.url);
    return null;
  });
});
markReady("albums");
