// Uploads: the New menu's "Upload files" and "Upload folder" (drive:action), drag and drop of
// files and folders onto the page or onto a folder's row, parts of 8-64 MiB (3 at a time, each
// retried with backoff), instant upload by SHA-1, name conflicts, and resume after a reload
// (the File and its upload id are kept in IndexedDB; parts already stored are asked for with
// list_uploaded_parts). Progress is in the tray (tray.js); what finishes appears in the list
// (new-rows.js); folders change without a page load (navigate.js), so uploads keep going.
import "./navigate.js";
import { showRow } from "./new-rows.js";
import { markReady } from "./ready.js";
import { text, trayAdd, trayBusy, trayFinished, trayRender as render } from "./tray.js";
import { ApiError, base, api as callApi, csrf, toast } from "./ui.js";

const MiB = 1024 * 1024;
// Parts of 8 MiB, or, for a file over 128 MiB, as many whole MiB as make 16 parts, up to the
// 64 MiB nginx takes on Drive's part route. Each part costs the PDS about 15 ms of CPU besides
// its bytes: a 1 GiB upload in 8 MiB parts ran at 0.41 of nginx's PUT, in 64 MiB parts at
// 0.7-0.78 (bench/, this machine). A saved upload resumes with the size it started with.
const MIN_PART_SIZE = 8 * MiB;
const MAX_PART_SIZE = 64 * MiB;
const PARTS_OF_A_BIG_FILE = 16;
const partSizeFor = (size) => Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, Math.ceil(size / PARTS_OF_A_BIG_FILE / MiB) * MiB));
const HASH_CHUNK = 8 * MiB;
const PARALLEL = 3;
const MAX_ATTEMPTS = 6;
const root = document.querySelector("[data-uploader]");
const listing = document.getElementById("listing");

// --- IndexedDB: uploads in progress survive a reload ------------------------------------
const db = new Promise((resolve, reject) => {
  const open = indexedDB.open("drive-uploads", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("uploads", { keyPath: "key" });
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});
async function store(method, value) {
  const tx = (await db).transaction("uploads", method === "getAll" ? "readonly" : "readwrite");
  const request = tx.objectStore("uploads")[method](value);
  return new Promise((resolve, reject) => { request.onsuccess = () => resolve(request.result); request.onerror = () => reject(request.error); });
}

// --- Talking to Drive -----------------------------------------------------------------------
// ui.js's call, tried again with backoff while the failure may pass (a 5xx other than 507, the
// PDS's storage being full, which no retry mends; or an answer that says to retry).
async function api(method, url, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await callApi(method, url, body);
    } catch (error) {
      const passing = error instanceof ApiError && ((error.status >= 500 && error.status !== 507) || error.retry);
      if (!passing || attempt >= MAX_ATTEMPTS) throw error;
      await sleep(backoff(attempt));
    }
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt) => Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);

function putPart(task, number, blob) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    task.requests.add(xhr);
    const url = task.partUrls ? task.partUrls[number] : `${task.base}api/uploads/${task.fileId}/${task.uploadId}/parts/${number}`;
    xhr.open("PUT", url);
    if (!task.partUrls) xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.upload.onprogress = (event) => { task.inFlight.set(number, event.loaded); render(task); };
    xhr.onload = () => {
      task.requests.delete(xhr);
      // Success is the status alone: Drive's {"etag"} or, when nginx sent the part to the PDS
      // itself (DRIVE_PART_ROUTE=nginx), the PDS's empty answer. Failures are always Drive's.
      if (xhr.status < 300) { resolve(); return; }
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON: the status says it */ }
      reject(Object.assign(new Error(data.error || data.message || xhr.statusText), { status: xhr.status }));
    };
    xhr.onerror = () => { task.requests.delete(xhr); reject(new Error("network")); };
    xhr.onabort = () => { task.requests.delete(xhr); reject(new Error("cancelled")); };
    xhr.send(blob);
  });
}

// --- Hashing (hash-wasm, vendored) ----------------------------------------------------------
async function sha1(blob, onProgress) {
  const hasher = await hashwasm.createSHA1();
  hasher.init();
  for (let offset = 0; offset < blob.size || offset === 0; offset += HASH_CHUNK) {
    hasher.update(new Uint8Array(await blob.slice(offset, offset + HASH_CHUNK).arrayBuffer()));
    if (onProgress) onProgress(Math.min(blob.size, offset + HASH_CHUNK));
    if (blob.size === 0) break;
  }
  return hasher.digest("hex").toUpperCase();
}
async function proofAt(file, offset) {
  const bytes = new Uint8Array(await file.slice(offset, offset + 8).arrayBuffer());
  return btoa(String.fromCharCode(...bytes));
}

// --- Name conflicts: keep both, replace or skip (a folder upload asks once) ----------------
let conflictChoice = null;
function askConflict(name, many) {
  if (conflictChoice) return Promise.resolve(conflictChoice);
  const dialog = document.getElementById("conflict-dialog");
  dialog.querySelector("[data-name]").textContent = name;
  dialog.querySelector("[data-all]").hidden = !many;
  return new Promise((resolve) => {
    dialog.onclose = () => {
      const choice = dialog.returnValue || "skip";
      if (many && dialog.querySelector("input[name=all]").checked) conflictChoice = choice;
      resolve(choice);
    };
    dialog.showModal();
  });
}

// --- The queue ------------------------------------------------------------------------------
function addTask(file, parentId, name, key, saved) {
  // base: the drive it goes to (a resumed upload, the drive it was started in).
  // A record saved before drives were part of it went to the user's own drive ("/").
  const task = { file, parentId, name, key, saved, base: saved ? saved.base || "/" : base, done: 0, inFlight: new Map(), requests: new Set(), started: performance.now(), state: "waiting" };
  trayAdd(task, cancel);
  return task;
}

async function cancel(task) {
  task.state = "cancelled";
  task.requests.forEach((xhr) => xhr.abort());
  await store("delete", task.key);
  // Discard it on the server too: its quota hold is released at once.
  if (task.uploadId) api("POST", `${task.base}api/uploads/${task.fileId}/${task.uploadId}/cancel`, {}).catch(() => {});
  render(task, text("cancelled"));
}

async function run(task) {
  const { file } = task;
  // A record saved before parts grew with the file's size was cut in 8 MiB parts.
  const partSize = task.saved ? task.saved.partSize || MIN_PART_SIZE : partSizeFor(file.size);
  const partCount = Math.max(1, Math.ceil(file.size / partSize));
  if (task.saved) {
    Object.assign(task, { fileId: task.saved.fileId, uploadId: task.saved.uploadId });
    render(task, text("resuming"));
  } else {
    let mode = "refuse";
    for (;;) {
      render(task, text("checking"));
      const preHash = await sha1(file.slice(0, 1024));
      let answer = await api("POST", `${task.base}api/uploads`, { parent_id: task.parentId, name: task.name, size: file.size, part_count: partCount, check_name_mode: mode, pre_hash: preHash });
      if (answer.pre_hash_matched) {
        const contentHash = await sha1(file, (done) => render(task, `${text("checking")} ${Math.round((done / file.size) * 100)}%`));
        answer = await api("POST", `${task.base}api/uploads`, {
          parent_id: task.parentId, name: task.name, size: file.size, part_count: partCount, check_name_mode: mode,
          content_hash: contentHash, proof_code: await proofAt(file, answer.proof_offset),
        });
      }
      if (answer.exist) {
        const choice = await askConflict(task.name, task.many);
        if (choice === "skip") { task.state = "skipped"; render(task, text("skipped")); return; }
        mode = choice === "replace" ? "overwrite" : "auto_rename";
        continue;
      }
      if (task.state === "cancelled") return;
      if (answer.rapid_upload) {
        task.state = "done";
        task.done = file.size;
        render(task, text("instant"));
        showRow(answer.file_id, task.parentId);
        return;
      }
      Object.assign(task, { fileId: answer.file_id, uploadId: answer.upload_id, partUrls: answer.part_urls });
      await store("put", { key: task.key, file, parentId: task.parentId, name: task.name, fileId: task.fileId, uploadId: task.uploadId, base: task.base, partSize });
      if (task.state === "cancelled") { await store("delete", task.key); return; }
      break;
    }
  }
  const { parts } = await api("GET", `${task.base}api/uploads/${task.fileId}/${task.uploadId}/parts`);
  if (task.state === "cancelled") return;
  const stored = new Set(parts.map((part) => part.part_number));
  task.done = parts.reduce((a, part) => a + part.size, 0);
  task.state = "uploading";
  task.started = performance.now();
  const waiting = [];
  for (let n = 1; n <= partCount; n++) if (!stored.has(n)) waiting.push(n);
  const worker = async () => {
    while (waiting.length && task.state === "uploading") {
      const number = waiting.shift();
      const blob = file.slice((number - 1) * partSize, number * partSize);
      for (let attempt = 1; ; attempt++) {
        try { await putPart(task, number, blob); break; } catch (error) {
          task.inFlight.delete(number);
          if (task.state !== "uploading" || attempt >= MAX_ATTEMPTS || error.status === 507) throw error;
          render(task, `${text("retrying")}…`);
          await sleep(backoff(attempt));
        }
      }
      task.inFlight.delete(number);
      task.done += blob.size;
      render(task);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (task.state !== "uploading") return;
  const item = await api("POST", `${task.base}api/uploads/${task.fileId}/${task.uploadId}/complete`, {});
  await store("delete", task.key);
  task.state = "done";
  render(task, text("uploaded"));
  showRow(item.file_id || task.fileId, task.parentId);
}

async function runAll(newTasks) {
  for (const task of newTasks) {
    try { await run(task); } catch (error) {
      if (task.state !== "cancelled") { task.state = "failed"; render(task, `${text("failed")}: ${error.message}`); }
    }
  }
  if (!trayBusy()) {
    conflictChoice = null;
    trayFinished();
  }
}

// --- Sources: the New menu, drag and drop, and resumption ------------------------------------
async function ensureFolder(parentId, name, cache) {
  const key = `${parentId}/${name}`;
  if (!cache.has(key)) cache.set(key, api("POST", `${base}api/folders`, { parent_id: parentId, name }).then((answer) => answer.file_id));
  return cache.get(key);
}

// entries: [{file, path: ["folder", "sub"]}], into the folder `target`.
async function enqueue(entries, target) {
  const cache = new Map();
  const created = [];
  for (const { file, path } of entries) {
    let parent = target;
    for (const [depth, part] of path.entries()) {
      const known = cache.has(`${parent}/${part}`);
      parent = await ensureFolder(parent, part, cache);
      if (depth === 0 && !known) showRow(parent, target);
    }
    // The drive is part of the key: "root" is the top of every drive.
    const key = `${root.dataset.user}:${base}:${parent}:${file.name}:${file.size}:${file.lastModified}`;
    created.push(addTask(file, parent, file.name, key, null));
  }
  created.forEach((task) => { task.many = created.length > 1; });
  await runAll(created);
}

function walk(entry, path, out) {
  return new Promise((resolve) => {
    if (entry.isFile) entry.file((file) => { out.push({ file, path }); resolve(); }, () => resolve());
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      const all = [];
      const next = () => reader.readEntries(async (batch) => {
        if (batch.length) { all.push(...batch); next(); return; }
        for (const child of all) await walk(child, [...path, entry.name], out);
        resolve();
      }, () => resolve());
      next();
    } else resolve();
  });
}

// Drags from the desktop carry "Files"; rows dragged within the page (moves) are not ours.
const fromDesktop = (event) => Boolean(event.dataTransfer) && [...event.dataTransfer.types].includes("Files");
const zone = document.querySelector("main");
let target = null;
// Whether the folder shown takes new files (#listing's data-can-upload; its folders have its rights).
const canAdd = () => listing?.dataset.canUpload !== "false";

// The folder row under the pointer, if any, is where a drop goes; else the folder shown.
function highlight(row) {
  if (target !== row) {
    if (target) target.classList.remove("is-drop-target");
    target = row;
    if (row) row.classList.add("is-drop-target");
  }
  zone.classList.toggle("dropping", !row);
}
function dragEnd() {
  highlight(null);
  zone.classList.remove("dropping");
}
function onDragOver(event) {
  if (!fromDesktop(event)) return;
  event.preventDefault(); // the whole window takes the drop, so a missed one never opens the file
  // Where nothing may be added no outline invites the drop; a drop says why nothing happens (a
  // "none" drop effect would swallow the drop without a word).
  if (!canAdd()) return;
  event.dataTransfer.dropEffect = "copy";
  highlight(event.target.closest ? event.target.closest("#listing tr[data-type=folder]") : null);
}
async function onDrop(event) {
  if (!fromDesktop(event)) return;
  event.preventDefault();
  const into = target ? target.dataset.id : listing.dataset.folderId;
  dragEnd();
  if (!canAdd()) { toast(document.getElementById("action-text")?.dataset.cannotAdd || "", { error: true }); return; }
  // The DataTransfer empties once this handler returns: take its entries and files now.
  const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
  const files = [...event.dataTransfer.files];
  const out = [];
  if (entries.length) for (const entry of entries) await walk(entry, [], out);
  else for (const file of files) out.push({ file, path: [] });
  if (out.length) enqueue(out, into);
}

if (root) {
  const files = document.getElementById("upload-files");
  const folder = document.getElementById("upload-folder");
  document.addEventListener("drive:action", (event) => {
    if (!canAdd()) return;
    if (event.detail.action === "upload-files") files.click();
    else if (event.detail.action === "upload-folder") folder.click();
  });
  // The folder shown when the files are chosen (navigation may have changed it since the page loaded).
  files.addEventListener("change", () => {
    enqueue([...files.files].map((file) => ({ file, path: [] })), listing.dataset.folderId);
    files.value = "";
  });
  folder.addEventListener("change", () => {
    enqueue([...folder.files].map((file) => ({ file, path: file.webkitRelativePath.split("/").slice(0, -1) })), listing.dataset.folderId);
    folder.value = "";
  });
  document.addEventListener("dragenter", onDragOver);
  document.addEventListener("dragover", onDragOver);
  document.addEventListener("drop", onDrop);
  document.addEventListener("dragleave", (event) => { if (!event.relatedTarget) dragEnd(); });
  document.addEventListener("dragend", dragEnd);
  // Resume what a reload interrupted; the page is ready once its resumed uploads are listed.
  store("getAll").then((saved) => {
    const mine = saved.filter((entry) => entry.key.startsWith(`${root.dataset.user}:`));
    if (mine.length) runAll(mine.map((entry) => addTask(entry.file, entry.parentId, entry.name, entry.key, entry)));
  }).finally(() => markReady("upload"));
} else {
  markReady("upload");
}
