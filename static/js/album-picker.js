// "Add to album" for a selection of photos (the Photos timeline's and the viewer's):
// `openAlbumPicker(fileIds)` shows a dialog of the drive's albums and a "New album" field;
// choosing one adds the files (files/albums_views.py) and says so in a toast with a link to
// the album. Resolves to {story_id, url} once added, or null when closed without adding.
// The dialog is built here, with the words the server sends, so a page needs no markup for it.
import { api, base, emit, toast } from "./ui.js";

const LIST = `${base}photos/albums/api/albums`;
const ADD = (storyId) => `${base}photos/albums/api/${encodeURIComponent(storyId)}/add`;
let dialog = null;

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// The dialog's look lives in albums.css, next to this module's folder; pages without it get it.
function styles() {
  const href = new URL("../albums.css", import.meta.url).href;
  if ([...document.styleSheets].some((sheet) => sheet.href === href)) return;
  document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
}

function build(labels) {
  styles();
  const made = element("dialog", { className: "album-picker", id: "album-picker" });
  made.setAttribute("aria-labelledby", "album-picker-title");
  const form = element("form", { noValidate: true });
  const input = element("input", { id: "album-picker-name", name: "name", maxLength: 128, autocomplete: "off" });
  input.setAttribute("aria-describedby", "album-picker-error");
  form.append(
    element("label", { htmlFor: "album-picker-name" }, labels.new_album),
    element("div", { className: "album-picker-new" }, input, element("button", { type: "submit", className: "btn btn-primary" }, labels.create)),
  );
  made.append(
    element("h2", { id: "album-picker-title" }, labels.title),
    element("p", { className: "muted", id: "album-picker-count" }),
    element("h3", { id: "album-picker-albums", className: "album-picker-heading" }, labels.albums),
    element("ul", { className: "album-picker-list" }),
    form,
    element("p", { className: "field-error", id: "album-picker-error", role: "alert" }),
    element("div", { className: "dialog-actions" }, element("button", { type: "button", className: "btn btn-quiet", value: "cancel" }, labels.cancel)),
  );
  made.querySelector(".album-picker-list").setAttribute("aria-labelledby", "album-picker-albums");
  made.querySelector(".dialog-actions button").addEventListener("click", () => made.close());
  document.body.append(made);
  return made;
}

function albumButton(album, labels) {
  const button = element("button", { type: "button", className: "album-picker-item" });
  const cover = album.cover_url
    ? element("img", { src: album.cover_url, alt: "", className: "album-picker-cover" })
    : element("span", { className: "album-picker-cover is-empty" });
  cover.setAttribute("aria-hidden", "true");
  button.append(
    cover,
    element("span", { className: "album-picker-name" }, element("bdi", { textContent: album.name })),
    element("span", { className: "album-picker-count" }, items(labels, album.count)),
  );
  button.dataset.storyId = album.story_id;
  button.dataset.url = album.url;
  button.dataset.name = album.name;
  return button;
}

const items = (labels, n) => (n === 1 ? labels.count_one : labels.count.replace("%(count)s", n));

function done(labels, name, url) {
  toast(labels.added.replace("%(name)s", name), { action: { label: labels.open, run: () => location.assign(url) } });
}

export async function openAlbumPicker(fileIds, { returnTo = document.activeElement } = {}) {
  const ids = [...new Set(fileIds || [])];
  if (!ids.length) return null;
  let data;
  try {
    data = await api("GET", LIST);
  } catch (error) {
    toast(error.message, { error: true });
    return null;
  }
  const { labels } = data;
  if (!dialog) dialog = build(labels);
  const list = dialog.querySelector(".album-picker-list");
  const error = dialog.querySelector(".field-error");
  const form = dialog.querySelector("form");
  const input = form.elements.name;
  error.textContent = "";
  input.value = "";
  input.removeAttribute("aria-invalid");
  dialog.querySelector("#album-picker-count").textContent = labels.selected.replace("%(count)s", ids.length);
  list.replaceChildren(
    ...(data.items.length
      ? data.items.map((album) => element("li", {}, albumButton(album, labels)))
      : [element("li", { className: "muted" }, labels.empty)]),
  );

  return new Promise((resolve) => {
    let result = null;
    const busy = (on) => { for (const control of dialog.querySelectorAll("button, input")) control.disabled = on; };
    const fail = (message, field = null) => {
      error.textContent = message;
      if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
    };
    const finish = (value) => { result = value; dialog.close(); };
    const onPick = async (event) => {
      const button = event.target.closest(".album-picker-item");
      if (!button) return;
      busy(true);
      try {
        await api("POST", ADD(button.dataset.storyId), { file_ids: ids });
        done(labels, button.dataset.name, button.dataset.url);
        emit("drive:album-changed", { storyId: button.dataset.storyId });
        finish({ story_id: button.dataset.storyId, url: button.dataset.url });
      } catch (problem) {
        busy(false);
        fail(problem.message, button);
      }
    };
    const onCreate = async (event) => {
      event.preventDefault();
      busy(true);
      try {
        const created = await api("POST", LIST, { name: input.value, file_ids: ids });
        done(labels, input.value.trim(), created.url);
        emit("drive:album-changed", { storyId: created.story_id });
        finish({ story_id: created.story_id, url: created.url });
      } catch (problem) {
        busy(false);
        fail(problem.message, input);
      }
    };
    list.addEventListener("click", onPick);
    form.addEventListener("submit", onCreate);
    dialog.addEventListener("close", () => {
      list.removeEventListener("click", onPick);
      form.removeEventListener("submit", onCreate);
      busy(false);
      if (returnTo?.isConnected) returnTo.focus();
      resolve(result);
    }, { once: true });
    dialog.showModal();
    (list.querySelector("button") || input).focus();
  });
}
