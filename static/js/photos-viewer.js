// The Photos viewer (files/_photos_viewer.html): one photo or video over the page, full
// screen (a modal <dialog>). Previous and next with the arrow keys, the buttons on screen or
// a swipe; zoom with double-click, the wheel, a pinch, + and - (photos-zoom.js); Esc closes
// and gives focus back to the photo. A photo shows its 1920 px thumbnail first (quick, and
// the only way to see HEIC or TIFF in a browser), then the original once zoomed in when the
// browser can show it. A video plays from its play info (a rendition being made says so and
// asks again; one that cannot be made offers the download). The info panel, download, add
// to album, share and trash act on the photo shown; on an album's page, "Remove from album"
// too. The timeline (photos.js) calls openViewer with its own sequence; an album's or a
// place's grid (albums-album.js, places-place.js) hands its tiles to viewGrid.
import { api, fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";
import { addToAlbum, shareFiles, trashFiles } from "./photos-select.js";
import { zoomable } from "./photos-zoom.js";

const viewer = document.getElementById("photo-viewer");
const ORIGINAL_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"];
const RETRY_MS = 3000;

let tile = null; // the tile of the photo shown
// {tiles(), more(), hasMore(), less(), hasLess(), home(), link(tile)?, gone(tile)?, remove(tile)?}
let sequence = null;
let loading = null; // AbortController of the info panel
let retry = null;

const $ = (selector) => viewer.querySelector(selector);
const button = (name) => viewer.querySelector(`[data-pv="${name}"]`);
const urlOf = (template, id) => template.replace("FILE_ID", encodeURIComponent(id));
const frame = viewer ? $("[data-pv-frame]") : null;
const note = viewer ? $("[data-pv-note]") : null;
const zoom = viewer
  ? zoomable(frame, {
      onSwipe: (by) => step(by),
      onZoom: (scale) => {
        const out = button("zoom-out");
        const hadFocus = document.activeElement === out;
        out.disabled = scale <= 1 || tile?.dataset.kind !== "image";
        if (hadFocus && out.disabled) button("zoom-in").focus(); // not lost with the button
        if (scale > 1) original();
      },
    })
  : null;

function say(text) {
  $("[data-pv-status]").textContent = text;
}

function showNote(text, { download = false } = {}) {
  note.hidden = !text;
  note.replaceChildren(text);
  if (download) {
    const link = button("download").cloneNode(true);
    link.className = "btn btn-primary";
    link.removeAttribute("data-pv");
    link.removeAttribute("title");
    link.querySelector(".visually-hidden")?.classList.remove("visually-hidden");
    note.append(" ", link);
  }
}

function picture(id, thumbnail) {
  const image = document.createElement("img");
  image.className = "photo-media";
  image.alt = tile.dataset.name;
  image.draggable = false;
  image.src = thumbnail;
  image.addEventListener("error", () => {
    if (tile?.dataset.id !== id) return;
    if (tile.dataset.kind === "image") showNote(viewer.dataset.failed);
    else image.hidden = true; // a video without a poster
  }, { once: true });
  return image;
}

// Once zoomed in: the original, where the browser can show it, in place of the thumbnail.
function original() {
  const image = frame.querySelector("img.photo-media");
  if (!image || image.dataset.original || !ORIGINAL_TYPES.includes(tile?.dataset.type)) return;
  const id = tile.dataset.id;
  image.dataset.original = "loading";
  const full = new Image();
  full.decoding = "async";
  full.src = urlOf(viewer.dataset.original, id);
  full.decode().then(() => {
    if (tile?.dataset.id === id && image.isConnected) {
      image.src = full.src;
      image.dataset.original = "shown";
    }
  }).catch(() => {});
}

async function playVideo(id, poster) {
  clearTimeout(retry);
  let answer;
  try {
    answer = await api("GET", urlOf(viewer.dataset.play, id));
  } catch (error) {
    if (tile?.dataset.id === id) showNote(error.message, { download: true });
    return;
  }
  if (tile?.dataset.id !== id || !viewer.open) return;
  if (answer.state === "finished") {
    const video = document.createElement("video");
    video.className = "photo-media";
    video.controls = true;
    video.playsInline = true;
    video.preload = "metadata";
    video.poster = poster;
    video.src = answer.src;
    video.setAttribute("aria-label", tile.dataset.name);
    frame.replaceChildren(video);
    zoom.set(video);
    showNote("");
  } else if (answer.state === "running") {
    showNote(viewer.dataset.preparing);
    retry = setTimeout(() => playVideo(id, poster), RETRY_MS);
  } else {
    showNote(viewer.dataset.unplayable, { download: true });
  }
}

async function loadInfo() {
  const panel = $("#photo-info");
  if (panel.hidden || !tile) return;
  const id = tile.dataset.id;
  const body = $("[data-pv-info]");
  loading?.abort();
  loading = new AbortController();
  body.setAttribute("aria-busy", "true");
  try {
    const content = await fetchFragment(urlOf(viewer.dataset.info, id), { signal: loading.signal });
    if (content && tile?.dataset.id === id) body.replaceChildren(content);
  } catch (error) {
    if (error.name !== "AbortError") body.textContent = viewer.dataset.infoFailed;
  } finally {
    body.setAttribute("aria-busy", "false");
  }
}

function place() {
  const tiles = sequence.tiles();
  const index = tiles.indexOf(tile);
  button("prev").disabled = index < 0 || (index === 0 && !sequence.hasLess?.());
  button("next").disabled = index < 0 || (index >= tiles.length - 1 && !sequence.hasMore?.());
  return { tiles, index };
}

function show(next) {
  tile = next;
  clearTimeout(retry);
  const id = tile.dataset.id;
  const version = tile.dataset.hash ? `?v=${encodeURIComponent(tile.dataset.hash)}` : "";
  const thumbnail = urlOf(viewer.dataset.thumbnail, id) + version;
  $("#photo-viewer-title bdi").textContent = tile.dataset.name;
  $("[data-pv-position]").textContent = tile.dataset.when || "";
  button("download").href = urlOf(viewer.dataset.download, id);
  const isImage = tile.dataset.kind === "image";
  button("zoom-in").disabled = !isImage;
  button("zoom-out").disabled = true;
  showNote("");
  if (isImage) {
    const image = picture(id, thumbnail);
    frame.replaceChildren(image);
    zoom.set(image);
  } else {
    const poster = picture(id, thumbnail); // the poster while the play info comes
    frame.replaceChildren(poster);
    zoom.set(null);
    playVideo(id, thumbnail);
  }
  say(`${tile.dataset.name}, ${tile.dataset.when || ""}`);
  place();
  loadInfo();
  // The neighbours' pictures, ahead of the arrow keys.
  const { tiles, index } = place();
  for (const near of [tiles[index + 1], tiles[index - 1]]) {
    if (near?.dataset.kind === "image") new Image().src = urlOf(viewer.dataset.thumbnail, near.dataset.id) + (near.dataset.hash ? `?v=${encodeURIComponent(near.dataset.hash)}` : "");
  }
}

async function step(by) {
  if (!tile) return;
  let { tiles, index } = place();
  let target = tiles[index + by];
  // Past the photos loaded: the page below (or above) first.
  const fetchMore = by > 0 ? sequence.more : sequence.less;
  if (!target && fetchMore && (await fetchMore())) {
    ({ tiles, index } = place());
    target = tiles[index + by];
  }
  if (target) show(target);
  else place();
}

const linkOf = (shown) => sequence?.link?.(shown) || shown.querySelector(".photo-open");

export function openViewer(next, from) {
  if (!viewer) return;
  sequence = from;
  button("remove").hidden = !sequence.remove;
  if (!viewer.open) viewer.showModal();
  show(next);
  button("close").focus();
}

function close() {
  clearTimeout(retry);
  loading?.abort();
  frame.replaceChildren(); // a playing video stops
  const link = tile?.isConnected ? linkOf(tile) : sequence?.home();
  link?.focus({ preventScroll: true });
  link?.scrollIntoView({ block: "nearest" });
  tile = null;
}

if (viewer) {
  viewer.addEventListener("close", close);
  button("close").addEventListener("click", () => viewer.close());
  button("prev").addEventListener("click", () => step(-1));
  button("next").addEventListener("click", () => step(1));
  button("zoom-in").addEventListener("click", () => zoom.zoomBy(1.5));
  button("zoom-out").addEventListener("click", () => zoom.zoomBy(1 / 1.5));
  button("info").addEventListener("click", () => {
    const panel = $("#photo-info");
    panel.hidden = !panel.hidden;
    button("info").setAttribute("aria-pressed", String(!panel.hidden));
    loadInfo();
  });
  button("album").addEventListener("click", () => tile && addToAlbum([tile.dataset.id]));
  button("share").addEventListener("click", () => tile && shareFiles([tile.dataset.id]));
  // The photo shown leaves the page (trashed, or taken out of the album): the next one shows.
  const leave = async (action) => {
    if (!tile) return;
    const { tiles, index } = place();
    const after = tiles[index + 1] || tiles[index - 1];
    const shown = tile;
    if (!(await action(shown))) return;
    if (shown.isConnected) sequence.gone?.(shown);
    if (tile !== shown) return; // moved on meanwhile
    if (after?.isConnected) show(after);
    else viewer.close();
  };
  button("trash").addEventListener("click", () => leave(async (shown) => (await trashFiles([shown.dataset.id])).length > 0));
  button("remove").addEventListener("click", () => leave((shown) => sequence.remove?.(shown)));
  viewer.addEventListener("keydown", (event) => {
    if (event.target.closest("video, input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
    const keys = { ArrowLeft: () => step(-1), ArrowRight: () => step(1), "+": () => zoom.zoomBy(1.5), "=": () => zoom.zoomBy(1.5), "-": () => zoom.zoomBy(1 / 1.5), 0: () => zoom.reset() };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  // A click on the backdrop closes it too.
  viewer.addEventListener("click", (event) => {
    if (event.target === viewer) viewer.close();
  });
}

// An album's or a place's grid: a click (or Enter) on a photo's link opens it in the viewer,
// stepping through the grid's photos in its order. `grid()` is the grid now (it may be
// drawn again); `home()` takes the focus when the photo shown has gone from the page;
// `remove(tile)` resolves true once the photo is out of the album.
export function viewGrid({ grid, tile: tileSelector, link: linkSelector, home = null, remove = null }) {
  const tiles = () => [...(grid()?.querySelectorAll(tileSelector) || [])];
  const from = {
    tiles,
    home: home || (() => grid()?.querySelector(linkSelector) || null),
    link: (shown) => shown.querySelector(linkSelector),
    gone: (shown) => shown.remove(),
    remove,
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.(linkSelector);
    if (!link || !viewer || event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const shown = link.closest(tileSelector);
    if (!shown || !tiles().includes(shown)) return;
    event.preventDefault();
    openViewer(shown, from);
  });
}
markReady("photos-viewer");
