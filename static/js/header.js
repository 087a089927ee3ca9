// The site header: at phone width the search field hides behind an icon button; the button
// opens it over the header and focuses it, its close button or Esc hides it again and gives
// focus back to the button. (At wider widths both buttons are hidden and the field shows.)
import { markReady } from "./ready.js";

const header = document.querySelector(".site-header");
const opener = header?.querySelector(".search-open");
const form = opener && document.getElementById(opener.getAttribute("aria-controls"));
if (opener && form) {
  const input = form.querySelector("input[type=search]");
  const show = () => {
    header.classList.add("is-searching");
    opener.setAttribute("aria-expanded", "true");
    input.focus();
  };
  const hide = () => {
    header.classList.remove("is-searching");
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  };
  opener.addEventListener("click", show);
  form.querySelector(".search-close").addEventListener("click", hide);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("is-searching")) {
      event.preventDefault();
      hide();
    }
  });
}
markReady("header");
