// The Photos home's row of faces (templates/files/_people_strip.html): read once the page is
// up, and shown only when the drive has people; the timeline never waits for it. On the
// People page (templates/files/people.html), its round covers placed.
import { fetchFragment } from "./ui.js";
import { markReady } from "./ready.js";
import { placeCovers } from "./face-covers.js";

const strip = document.getElementById("people-strip");

async function showPeople() {
  const fresh = await fetchFragment(strip.dataset.url).catch(() => null);
  if (!fresh || !fresh.querySelector("li")) return;
  strip.replaceChildren(fresh);
  placeCovers(strip);
  strip.hidden = false;
}

placeCovers(); // the People page's
if (strip) await showPeople();
markReady("people");
