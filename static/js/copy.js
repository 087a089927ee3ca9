// Copying a link: `copyFrom(input)` puts an input's value on the clipboard. On pages with
// "Copy link" buttons (`data-copy="#input"`), a click copies and says "Copied".
import { markReady } from "./ready.js";

export async function copyFrom(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // No clipboard API (an insecure origin) or no permission: the older way, on the selection.
    input.select();
    document.execCommand("copy");
  }
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    await copyFrom(document.querySelector(button.dataset.copy));
    const note = button.parentElement.querySelector("[data-copied]");
    if (note) note.hidden = false;
  });
}
markReady("copy");
