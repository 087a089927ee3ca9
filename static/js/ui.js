// What every page module shares: the CSRF token, Drive's JSON endpoints, toasts, and the
// events through which the folder page's modules talk to each other.
//
// Events on `document` (CustomEvent, data in `detail`):
//   drive:action     {action, ids, rows}  a row menu, the New menu or the keyboard asks for
//                    "open" | "details" | "share" | "upload-files" | "upload-folder"; the module
//                    that owns the action listens (viewer/panels, uploads).
//   drive:navigated  {folderId}           #listing was replaced by another folder's (client-side
//                    navigation); modules that wire up rows do it again.
//   drive:rows-changed {}                 rows were added or removed in place.
//   drive:file-changed {fileId}          a file's content changed in place (a version restored
//                    or deleted); panels showing it load it again.

// The top of the drive the page is in: "/", or "/d/<drive_id>/" in another drive (a team drive,
// a folder shared with the user; files/drive_scope.py). Drive's URLs of the page start with it.
export const base = document.body.dataset.base || "/";

export const csrf = () => (document.cookie.match(/(?:^|; )drive_csrftoken=([^;]*)/) || [])[1] || "";

export class ApiError extends Error {
  constructor(message, status, code, retry = false) {
    super(message);
    this.status = status;
    this.code = code;
    this.retry = retry; // the server says trying again may work
  }
}

// Call one of Drive's JSON endpoints (files.decorators.json_api): errors come back as
// {"error": message, "code"?} with a 4xx/5xx status and are thrown as ApiError.
export async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (data.signed_out) location.reload();
  if (!response.ok) throw new ApiError(data.error || response.statusText, response.status, data.code, Boolean(data.retry));
  return data;
}

// HTML the server rendered (and Django's templates escaped), parsed into a DocumentFragment.
export function parseHtml(html) {
  const holder = document.createElement("template");
  holder.innerHTML = html;
  return holder.content;
}

// GET a part of a page the server renders (a panel's content, more rows of a list), as a
// DocumentFragment; throws on an error status. Signed out (sent to sign in): the page
// reloads, to ask to sign in, and this resolves to null.
export async function fetchFragment(url, { signal } = {}) {
  const response = await fetch(url, { credentials: "same-origin", signal });
  if (response.redirected) {
    location.reload();
    return null;
  }
  if (!response.ok) throw new Error(response.statusText);
  return parseHtml(await response.text());
}

export function emit(name, detail = {}) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

function toastList() {
  // A live region of plain blocks: a list under role=status loses its list semantics, and
  // screen readers then meet list items without a list.
  let list = document.querySelector(".toasts");
  if (!list) {
    list = document.createElement("div");
    list.className = "toasts";
    document.body.append(list);
  }
  if (!list.getAttribute("role")) list.setAttribute("role", "status"); // announced as it comes
  return list;
}

// Show a toast; `action` ({label, run}) adds a button such as Undo. News of success goes after
// `timeout` ms (8 s; 20 s with an action, and never while the pointer or focus is on it); an
// error stays until closed. Returns the toast's element.
export function toast(message, { error = false, action = null, timeout = action ? 20000 : 8000 } = {}) {
  const item = document.createElement("div");
  item.className = `toast${error ? " error" : ""} is-live`;
  const text = document.createElement("span");
  text.textContent = message;
  item.append(text);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-quiet btn-sm toast-action";
    button.textContent = action.label;
    button.addEventListener("click", async () => {
      button.disabled = true;
      item.remove();
      await action.run();
    });
    item.append(button);
  }
  if (error) {
    const close = document.createElement("button");
    close.type = "button";
    close.className = "icon-btn btn-sm toast-close";
    close.setAttribute("aria-label", document.documentElement.lang.startsWith("zh") ? "关闭" : "Close");
    close.textContent = "×";
    close.addEventListener("click", () => item.remove());
    item.append(close);
  }
  toastList().append(item);
  if (!error && action) stayWhileUsed(item, timeout);
  else if (!error) setTimeout(() => item.remove(), timeout);
  return item;
}

// A toast with an action waits while it is hovered or focused, and the CSS fade (for the
// server's messages) does not hide it: its timer starts again when the pointer and focus leave.
function stayWhileUsed(item, timeout) {
  item.style.animation = "none";
  item.style.pointerEvents = "auto";
  let timer = null;
  let hovered = false;
  const start = () => { clearTimeout(timer); timer = setTimeout(() => item.remove(), timeout); };
  const pause = () => { clearTimeout(timer); timer = null; };
  item.addEventListener("mouseenter", () => { hovered = true; pause(); });
  item.addEventListener("mouseleave", () => { hovered = false; if (!item.contains(document.activeElement)) start(); });
  item.addEventListener("focusin", pause);
  item.addEventListener("focusout", (event) => { if (!hovered && !item.contains(event.relatedTarget)) start(); });
  start();
}
