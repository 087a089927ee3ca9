// Client-side navigation between the drive's folders, so that uploads keep running and the
// tray stays: a click on a link to "/" or "/folders/<id>/" (rows, breadcrumbs, the main
// navigation's "My drive"; in another drive, its "/d/<drive_id>/" and the folders under it)
// fetches that page and puts its #listing (and title) in place of this one's, with
// history.pushState; Back and Forward do the same. Any failure falls back to an ordinary page
// load. Afterwards `drive:navigated {folderId}` tells the other modules.
import { base, emit } from "./ui.js";

const FOLDER_PATH = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:folders/[^/]+/)?$`);
const listing = document.getElementById("listing");
let shown = location.pathname; // the folder #listing shows (its query may change: ?preview=)
let current = null;

const isFolderUrl = (url) => url.origin === location.origin && FOLDER_PATH.test(url.pathname) && !url.searchParams.has("partial");

async function fetchListing(url, signal) {
  const response = await fetch(url, { credentials: "same-origin", signal, headers: { "X-Requested-With": "fetch" } });
  const landed = new URL(response.url);
  if (!response.ok || !isFolderUrl(landed)) throw new Error(`${response.status} ${landed.pathname}`);
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("listing");
  if (!fresh) throw new Error("no listing");
  return { fresh, title: page.title, url: landed };
}

function swap({ fresh, title, url }) {
  // Keep focus where it was when the same control comes back (a refresh of this folder).
  const focusedId = listing.contains(document.activeElement) ? document.activeElement.id : "";
  listing.replaceChildren(...fresh.childNodes);
  // Its data-* too: the folder's id and what may be done in it (data-can-*).
  for (const name of Object.keys(listing.dataset)) delete listing.dataset[name];
  Object.assign(listing.dataset, fresh.dataset);
  document.title = title;
  shown = url.pathname;
  if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
}

function focusHeading() {
  const heading = listing.querySelector("h1");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

// Show the folder at `url`; `push`: a new history entry (a click), else the entry is already
// there (Back, Forward). `scroll`: where to put the page once it is shown.
export async function navigate(url, { push = true, scroll = 0 } = {}) {
  if (current) current.abort();
  const controller = new AbortController();
  current = controller;
  listing.setAttribute("aria-busy", "true");
  try {
    const page = await fetchListing(url, controller.signal);
    if (push && page.url.href !== location.href) {
      // Entries of this document: their scroll positions are put back here, once their list is in.
      history.scrollRestoration = "manual";
      history.replaceState({ ...history.state, driveListing: true, driveScroll: scrollY }, "");
      history.pushState({ driveListing: true }, "", page.url.href);
    }
    swap(page);
    window.scrollTo(0, scroll);
    focusHeading();
    emit("drive:navigated", { folderId: listing.dataset.folderId });
  } catch (error) {
    if (error.name === "AbortError") return;
    if (push) location.assign(url);
    else location.reload();
  } finally {
    if (current === controller) {
      current = null;
      listing.removeAttribute("aria-busy");
    }
  }
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest && event.target.closest("a[href]");
  if (!link || (link.target && link.target !== "_self") || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  // Another folder, or this one afresh ("My drive" on My drive); this folder's sort and view
  // links, and anchors, load as they always did.
  if (!isFolderUrl(url) || (url.pathname === location.pathname && (url.search || url.hash))) return;
  event.preventDefault();
  navigate(url.href);
}

if (listing) {
  history.replaceState({ ...history.state, driveListing: true }, "");
  // On window, so that it runs after the page's own click handlers (which may cancel the click).
  window.addEventListener("click", onClick);
  window.addEventListener("popstate", (event) => {
    if (!event.state || !event.state.driveListing) return; // another module's entry (a viewer, say)
    if (location.pathname === shown) return;
    navigate(location.href, { push: false, scroll: event.state.driveScroll || 0 });
  });
}
