// "Copy link" buttons: copy the target input's value to the clipboard and say so.
import { markReady } from "./ready.js";

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const input = document.querySelector(button.dataset.copy);
    try { await navigator.clipboard.writeText(input.value); } catch { input.select(); document.execCommand("copy"); }
    const note = button.parentElement.querySelector("[data-copied]");
    if (note) note.hidden = false;
  });
}
markReady("copy");
