// The move and copy dialog: browse folders from where the items are, then "Move here" or
// "Copy here". Returns the chosen folder's id, or null when cancelled. "Here" is disabled
// where it cannot act: moving into the folder they are in, or into one of the moving folders,
// or a folder the user's role does not let them add to.
// The path starts at the drive's top (data-top); in a drive shared in part, which has none
// (data-top empty), at the first folder the user reaches.
import { api } from "./ui.js";

const apiBase = () => document.getElementById("action-text").dataset.api;

function choice(text, id, icon) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "folder-choice";
  button.dataset.folderId = id;
  if (icon) button.append(icon.content.cloneNode(true));
  const name = document.createElement("bdi");
  name.textContent = text;
  button.append(name);
  item.append(button);
  return item;
}

export function chooseFolder(operation, { ids = [], from }) {
  const dialog = document.getElementById("move-dialog");
  const list = dialog.querySelector(".folder-list");
  const crumbs = dialog.querySelector(".breadcrumbs ol");
  const more = dialog.querySelector("[data-more]");
  const here = dialog.querySelector("[data-here]");
  const error = dialog.querySelector(".field-error");
  const icon = document.getElementById("folder-icon");
  dialog.querySelector("h2").textContent = dialog.dataset[operation];
  here.textContent = dialog.dataset[`${operation}Here`];
  let current = from;
  let marker = "";
  let path = [];
  let canAdd = true; // the user's role in the folder shown lets them add to it

  const allowed = () => canAdd && !(operation === "move" && current === from) && !ids.includes(current) && !path.some((step) => ids.includes(step.file_id));

  async function show(folder, next = "") {
    error.hidden = true;
    here.disabled = true;
    try {
      const query = next ? `?marker=${encodeURIComponent(next)}` : "";
      const page = await api("GET", `${apiBase()}folders/${encodeURIComponent(folder)}${query}`);
      current = folder;
      marker = page.next_marker;
      if (!next) {
        path = page.path;
        canAdd = page.can_add !== false;
        list.replaceChildren();
        const top = list.dataset.top ? [{ file_id: "root", name: list.dataset.top }] : [];
        crumbs.replaceChildren(...[...top, ...path].map((step, index, all) => {
          const item = document.createElement("li");
          if (index === all.length - 1) {
            const span = document.createElement("span");
            span.setAttribute("aria-current", "location");
            span.textContent = step.name;
            item.append(span);
          } else {
            const button = choice(step.name, step.file_id).querySelector("button");
            button.className = "btn btn-quiet btn-sm crumb";
            item.append(button);
          }
          return item;
        }));
      }
      const shown = page.folders.filter((entry) => !(operation === "move" && ids.includes(entry.file_id)));
      list.append(...shown.map((entry) => choice(entry.name, entry.file_id, icon)));
      if (!list.children.length) {
        const none = document.createElement("li");
        none.className = "muted none";
        none.textContent = list.dataset.none;
        list.append(none);
      }
      more.hidden = !marker;
      here.disabled = !allowed();
      if (!next) (list.querySelector("button") || here).focus();
    } catch (problem) {
      error.textContent = problem.message;
      error.hidden = false;
    }
  }

  return new Promise((resolve) => {
    const onClick = (event) => {
      const target = event.target.closest(".folder-choice[data-folder-id], .crumb[data-folder-id]");
      if (target) show(target.dataset.folderId);
      else if (event.target.closest("[data-more]")) show(current, marker);
      else if (event.target.closest("[data-close]")) dialog.close();
    };
    const onSubmit = (event) => {
      event.preventDefault();
      if (!allowed()) return;
      dialog.returnValue = current;
      dialog.close();
    };
    const onClose = () => {
      dialog.removeEventListener("click", onClick);
      dialog.removeEventListener("submit", onSubmit);
      resolve(dialog.returnValue && dialog.returnValue !== "cancel" ? dialog.returnValue : null);
    };
    dialog.returnValue = "cancel";
    dialog.addEventListener("click", onClick);
    dialog.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose, { once: true });
    list.replaceChildren();
    dialog.showModal();
    show(from);
  });
}
