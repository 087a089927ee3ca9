// What the Albums pages' modules share: a dialog asking for one name (templates/files/
// _name_dialog.html), its error next to the field and the focus given back on close, and
// closing any dialog by its [data-close] buttons.

function showError(dialog, message) {
  const note = dialog.querySelector(".field-error");
  const input = dialog.querySelector("input[name=name]");
  note.textContent = message;
  note.hidden = !message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// Open the name dialog `id` with `value`; `submit(name)` does the work (throws ApiError to
// show its message) and may return the element to focus afterwards.
export function openNameDialog(id, value, returnTo, submit) {
  const dialog = document.getElementById(id);
  const input = dialog.querySelector("input[name=name]");
  showError(dialog, "");
  input.value = value;
  dialog.returnTo = returnTo;
  dialog.submit = submit;
  dialog.showModal();
  input.focus();
  input.select();
}

document.addEventListener("submit", async (event) => {
  const dialog = event.target.closest("dialog.name-dialog");
  if (!dialog) return;
  event.preventDefault();
  const input = dialog.querySelector("input[name=name]");
  const button = dialog.querySelector("button[type=submit]");
  // An empty name goes to the server too, which says what is wrong with it.
  button.disabled = true;
  try {
    const focus = await dialog.submit(input.value);
    if (focus) dialog.returnTo = focus;
    dialog.close();
  } catch (error) {
    showError(dialog, error.message);
    input.focus();
  } finally {
    button.disabled = false;
  }
});

document.addEventListener("close", (event) => {
  const dialog = event.target;
  if (dialog.matches?.("dialog") && dialog.returnTo?.isConnected) dialog.returnTo.focus();
}, true);

document.addEventListener("click", (event) => {
  const button = event.target.closest("dialog [data-close]");
  if (button) button.closest("dialog").close();
});
