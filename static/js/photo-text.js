// The Copy button of the text read in a photo (the Photos viewer's info panel,
// templates/files/_photos_info.html): the clipboard API, or a selected textarea and
// execCommand where that is not offered (an http:// address). The button says "Copied" for a
// moment (the viewer is a modal dialog, over the page's toasts), and a toast says it too.
import { toast } from "./ui.js";
import { markReady } from "./ready.js";

async function copyText(text, near) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // refused (no permission): try the old way
    }
  }
  // Next to the button: inside the viewer's modal dialog the rest of the page is inert.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  near.after(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  near.focus();
  return copied;
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-text]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyText);
  if (!source) return;
  const copied = await copyText(source.textContent, button);
  const label = button.querySelector("span");
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (status) status.textContent = copied ? button.dataset.copied : button.dataset.failed;
  toast(copied ? button.dataset.copied : button.dataset.failed, { error: !copied });
  if (copied && label) {
    const before = button.dataset.label || label.textContent;
    button.dataset.label = before;
    label.textContent = button.dataset.copied;
    setTimeout(() => {
      label.textContent = before;
      if (status) status.textContent = "";
    }, 2500);
  }
});
markReady("photo-text");
