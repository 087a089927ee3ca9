// Uploads: button, drag and drop of files and folders, parts of 8 MiB (3 at a time, each
// retried with backoff), progress with speed and time left, cancel, instant upload by
// SHA-1, name conflicts, and resume after a reload (the File and its upload id are kept
// in IndexedDB; parts already stored are asked for with list_uploaded_parts).
import { markReady } from "./ready.js";
import { formatSize } from "./size.js";

const PART_SIZE = 8 * 1024 * 1024;
const PARALLEL = 3;
const MAX_ATTEMPTS = 6;
const root = document.querySelector("[data-uploader]");
const csrf = () => (document.cookie.match(/(?:^|; )drive_csrftoken=([^;]*)/) || [])[1] || "";
const text = (key) => (root ? root.dataset[key] : key);

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
async function api(method, url, body) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (response.ok) return data;
    if (data.signed_out) { location.reload(); throw new Error(data.error); }
    // 507: the PDS's storage is full, which no retry mends.
    if (((response.status >= 500 && response.status !== 507) || data.retry) && attempt < MAX_ATTEMPTS) { await sleep(backoff(attempt)); continue; }
    const error = new Error(data.error || response.statusText);
    error.code = data.code;
    throw error;
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt) => Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);

function putPart(task, number, blob) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    task.requests.add(xhr);
    const url = task.partUrls ? task.partUrls[number] : `/api/uploads/${task.fileId}/${task.uploadId}/parts/${number}`;
    xhr.open("PUT", url);
    if (!task.partUrls) xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.upload.onprogress = (event) => { task.inFlight.set(number, event.loaded); render(task); };
    xhr.onload = () => {
      task.requests.delete(xhr);
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
  for (let offset = 0; offset < blob.size || offset === 0; offset += PART_SIZE) {
    hasher.update(new Uint8Array(await blob.slice(offset, offset + PART_SIZE).arrayBuffer()));
    if (onProgress) onProgress(Math.min(blob.size, offset + PART_SIZE));
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
const tasks = [];
const list = document.getElementById("upload-list");
const panel = document.getElementById("uploads");
const overall = document.getElementById("upload-overall");

function addTask(file, parentId, name, key, saved) {
  const row = document.createElement("li");
  row.innerHTML = `<span class="upload-name"></span> <progress max="1" value="0"></progress> <span class="upload-status" role="status"></span> <button type="button" class="btn btn-quiet btn-sm">${text("cancel")}</button>`;
  row.querySelector(".upload-name").textContent = name;
  const task = { file, parentId, name, key, saved, row, done: 0, inFlight: new Map(), requests: new Set(), started: performance.now(), state: "waiting" };
  row.querySelector("button").onclick = () => cancel(task);
  list.append(row);
  panel.hidden = false;
  tasks.push(task);
  return task;
}

function render(task, status) {
  const sent = task.done + [...task.inFlight.values()].reduce((a, b) => a + b, 0);
  const fraction = task.file.size ? sent / task.file.size : (task.state === "done" ? 1 : 0);
  task.row.querySelector("progress").value = Math.min(1, fraction);
  task.row.querySelector("button").hidden = ["done", "skipped", "cancelled", "failed"].includes(task.state);
  if (status) task.row.querySelector(".upload-status").textContent = status;
  else if (task.state === "uploading") {
    const seconds = (performance.now() - task.started) / 1000;
    const speed = sent / Math.max(seconds, 0.001);
    const left = speed ? (task.file.size - sent) / speed : 0;
    task.row.querySelector(".upload-status").textContent = `${Math.round(fraction * 100)}% · ${formatSize(sent)} / ${formatSize(task.file.size)} · ${formatSize(speed)}/s · ${Math.ceil(left)} s ${text("left")}`;
  }
  const total = tasks.reduce((a, t) => a + t.file.size, 0) || 1;
  const sentAll = tasks.reduce((a, t) => a + (t.state === "done" || t.state === "skipped" ? t.file.size : t.done + [...t.inFlight.values()].reduce((x, y) => x + y, 0)), 0);
  overall.value = sentAll / total;
}

async function cancel(task) {
  task.state = "cancelled";
  task.requests.forEach((xhr) => xhr.abort());
  await store("delete", task.key);
  // Discard it on the server too: its quota hold is released at once.
  if (task.uploadId) api("POST", `/api/uploads/${task.fileId}/${task.uploadId}/cancel`, {}).catch(() => {});
  render(task, text("cancelled"));
}

async function run(task) {
  const { file } = task;
  const partCount = Math.max(1, Math.ceil(file.size / PART_SIZE));
  if (task.saved) {
    Object.assign(task, { fileId: task.saved.fileId, uploadId: task.saved.uploadId });
    render(task, text("resuming"));
  } else {
    let mode = "refuse";
    for (;;) {
      render(task, text("checking"));
      const preHash = await sha1(file.slice(0, 1024));
      let answer = await api("POST", "/api/uploads", { parent_id: task.parentId, name: task.name, size: file.size, part_count: partCount, check_name_mode: mode, pre_hash: preHash });
      if (answer.pre_hash_matched) {
        const contentHash = await sha1(file, (done) => render(task, `${text("checking")} ${Math.round((done / file.size) * 100)}%`));
        answer = await api("POST", "/api/uploads", {
          parent_id: task.parentId, name: task.name, size: file.size, part_count: partCount, check_name_mode: mode,
          content_hash: contentHash, proof_code: await proofAt(file, answer.proof_offset),
        });
      }
      if (answer.exist) {
        const choice = await askConflict(task.name, tasks.length > 1);
        if (choice === "skip") { task.state = "skipped"; render(task, text("skipped")); return; }
        mode = choice === "replace" ? "overwrite" : "auto_rename";
        continue;
      }
      if (task.state === "cancelled") return;
      if (answer.rapid_upload) { task.state = "done"; task.done = file.size; render(task, text("instant")); return; }
      Object.assign(task, { fileId: answer.file_id, uploadId: answer.upload_id, partUrls: answer.part_urls });
      await store("put", { key: task.key, file, parentId: task.parentId, name: task.name, fileId: task.fileId, uploadId: task.uploadId });
      if (task.state === "cancelled") { await store("delete", task.key); return; }
      break;
    }
  }
  const { parts } = await api("GET", `/api/uploads/${task.fileId}/${task.uploadId}/parts`);
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
      const blob = file.slice((number - 1) * PART_SIZE, number * PART_SIZE);
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
  await api("POST", `/api/uploads/${task.fileId}/${task.uploadId}/complete`, {});
  await store("delete", task.key);
  task.state = "done";
  render(task, text("uploaded"));
}

async function runAll(newTasks) {
  for (const task of newTasks) {
    try { await run(task); } catch (error) {
      if (task.state !== "cancelled") { task.state = "failed"; render(task, `${text("failed")}: ${error.message}`); }
    }
  }
  if (tasks.every((task) => task.state !== "waiting" && task.state !== "uploading")) {
    conflictChoice = null;
    document.getElementById("upload-done").hidden = false;
  }
}

// --- Sources: button, folder button, drag and drop, and resumption ---------------------------
async function ensureFolder(parentId, name, cache) {
  const key = `${parentId}/${name}`;
  if (!cache.has(key)) cache.set(key, api("POST", "/api/folders", { parent_id: parentId, name }).then((answer) => answer.file_id));
  return cache.get(key);
}

async function enqueue(entries) {
  // entries: [{file, path: ["folder", "sub"]}]
  const cache = new Map();
  const created = [];
  for (const { file, path } of entries) {
    let parent = root.dataset.parent;
    for (const part of path) parent = await ensureFolder(parent, part, cache);
    const key = `${root.dataset.user}:${parent}:${file.name}:${file.size}:${file.lastModified}`;
    created.push(addTask(file, parent, file.name, key, null));
  }
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

if (root) {
  const files = document.getElementById("upload-files");
  const folder = document.getElementById("upload-folder");
  document.getElementById("upload-files-button").onclick = () => files.click();
  document.getElementById("upload-folder-button").onclick = () => folder.click();
  files.onchange = () => { enqueue([...files.files].map((file) => ({ file, path: [] }))); files.value = ""; };
  folder.onchange = () => {
    enqueue([...folder.files].map((file) => ({ file, path: file.webkitRelativePath.split("/").slice(0, -1) })));
    folder.value = "";
  };
  const zone = document.querySelector("main");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dropping"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dropping"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("dropping");
    const out = [];
    const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
    if (entries.length) for (const entry of entries) await walk(entry, [], out);
    else for (const file of event.dataTransfer.files) out.push({ file, path: [] });
    enqueue(out);
  });
  // Resume what a reload interrupted; the page is ready once its resumed uploads are listed.
  store("getAll").then((saved) => {
    const mine = saved.filter((entry) => entry.key.startsWith(`${root.dataset.user}:`));
    if (mine.length) runAll(mine.map((entry) => addTask(entry.file, entry.parentId, entry.name, entry.key, entry)));
  }).finally(() => markReady("upload"));
} else {
  markReady("upload");
}
