// The trash page: Restore and Delete forever act on the checked rows, so they are enabled
// only while some are checked (the count is said beside them); the header's checkbox checks
// them all; Delete forever and Empty trash ask first, in a dialog.
import { markReady } from "./ready.js";

const boxes = () => [...document.querySelectorAll('input[name="ids"][form="selection"]')];
const all = document.getElementById("trash-select-all");
const count = document.getElementById("trash-selected");

function sync() {
  const checked = boxes().filter((box) => box.checked).length;
  for (const button of document.querySelectorAll("[data-needs-selection]")) button.disabled = checked === 0;
  count.textContent = checked ? count.dataset.template.replace("{n}", checked) : "";
  all.checked = checked > 0 && checked === boxes().length;
  all.indeterminate = checked > 0 && checked < boxes().length;
}

document.addEventListener("change", (event) => {
  if (event.target === all) for (const box of boxes()) box.checked = all.checked;
  sync();
});
sync();

// A form whose submission (by `needsConfirming` of its submitter) waits for a dialog's
// own submit button, which belongs to the same form.
function confirmFirst(form, dialog, needsConfirming = () => true) {
  form.addEventListener("submit", (event) => {
    if (!event.submitter || dialog.contains(event.submitter) || !needsConfirming(event.submitter)) return;
    event.preventDefault();
    dialog.showModal();
  });
  dialog.querySelector("[data-cancel]").addEventListener("click", () => dialog.close());
}
confirmFirst(document.getElementById("empty-trash"), document.getElementById("empty-trash-dialog"));
confirmFirst(
  document.getElementById("selection"),
  document.getElementById("delete-dialog"),
  (submitter) => submitter.value === "delete",
);
markReady("trash");
