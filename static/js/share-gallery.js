// The share page's pictures, one at a time over the page (a modal <dialog>): the large preview
// the PDS makes (not counted as a download, but as good as one: the page links to it, and
// loads this script, only while the link allows downloads; the server refuses it otherwise).
// Previous and next with the buttons or ArrowLeft and ArrowRight; Esc or Close returns focus to
// the picture's link. Without scripts the links open the large picture by themselves.
import { markReady } from "./ready.js";

const box = document.getElementById("lightbox");
const links = [...document.querySelectorAll("[data-gallery] a[href]")];
const image = box.querySelector("img");
const title = box.querySelector("#lightbox-title bdi");
const button = (name) => box.querySelector(`[data-lightbox="${name}"]`);
let index = -1;

function show(at) {
  index = at;
  const link = links[at];
  const name = link.querySelector(".gallery-name").textContent;
  title.textContent = name;
  image.alt = name;
  image.src = link.href;
  button("download").href = link.dataset.download;
  button("prev").disabled = at === 0;
  button("next").disabled = at === links.length - 1;
}

links.forEach((link, at) => {
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    show(at);
    box.showModal();
    button("close").focus();
  });
});
button("prev").addEventListener("click", () => index > 0 && show(index - 1));
button("next").addEventListener("click", () => index < links.length - 1 && show(index + 1));
button("close").addEventListener("click", () => box.close());
box.addEventListener("keydown", (event) => {
  if (event.key === "ArrowLeft" && index > 0) show(index - 1);
  else if (event.key === "ArrowRight" && index < links.length - 1) show(index + 1);
});
box.addEventListener("click", (event) => {
  if (event.target === box) box.close();
});
box.addEventListener("close", () => {
  image.removeAttribute("src");
  links[index]?.focus();
});
markReady("share-gallery");
