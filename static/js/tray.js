// The uploads tray: a card in a bottom corner of the window with the overall progress and
// counts, collapsible (the choice is kept for the tab), expandable to one line per file
// with its progress and a Cancel button (the latest MAX_LINES files that started, then "and
// K more"), and closable once everything has finished. It is outside #listing, so it stays
// while client-side navigation (navigate.js) changes folder. Totals are kept as running sums,
// so a progress event costs the same for 10,000 files as for one.
import { formatSize } from "./size.js";

const strings = document.querySelector("[data-uploader]");
export const text = (key) => (strings && strings.dataset[key]) || key;
const plural = new Intl.PluralRules(document.documentElement.lang || "en");
const counted = (key, n) => text(key + (plural.select(n) === "one" ? "One" : "Other")).replace("{n}", n);
const FINISHED = ["done", "skipped", "cancelled", "failed"];
const COLLAPSED_KEY = "drive-upload-tray-collapsed";
const MAX_LINES = 100;

const tray = document.getElementById("uploads");
const list = document.getElementById("upload-list");
const overall = document.getElementById("upload-overall");
const title = document.getElementById("upload-title");
const summary = document.getElementById("upload-summary");
const done = document.getElementById("upload-done");
const news = document.getElementById("upload-news");
const toggle = document.getElementById("upload-toggle");
const close = document.getElementById("upload-close");

export const tasks = [];
let started = 0;
// Running sums over `tasks`: each task's last counted bytes and state are kept on it.
const totals = { size: 0, sent: 0, running: 0, complete: 0 };
let lines = 0; // tasks with a line in the list
let moreLine = null;

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `${strings.dataset.sprite}#${name}`);
  svg.append(use);
  return svg;
}

const sentOf = (task) => (task.state === "done" || task.state === "skipped" ? task.file.size : task.done + [...task.inFlight.values()].reduce((a, b) => a + b, 0));
const duration = (seconds) => (seconds < 90 ? `${Math.max(1, Math.ceil(seconds))} s` : `${Math.ceil(seconds / 60)} min`);

function setCollapsed(collapsed) {
  tray.classList.toggle("is-collapsed", collapsed);
  toggle.setAttribute("aria-expanded", String(!collapsed));
  sessionStorage.setItem(COLLAPSED_KEY, collapsed ? "1" : "");
}

// The line of one file, put at the end of the list; past MAX_LINES the oldest finished line (or
// else the oldest) goes, and the "and K more" line counts the files without one.
function addLine(task) {
  const row = document.createElement("li");
  row.className = "upload-item";
  const name = document.createElement("span");
  name.className = "upload-name";
  name.append(document.createElement("bdi"));
  name.firstChild.textContent = task.name;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-quiet btn-sm upload-cancel";
  button.textContent = text("cancel");
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.append(" ", document.createElement("bdi"));
  hidden.lastChild.textContent = task.name;
  button.append(hidden);
  button.addEventListener("click", () => task.cancel(task));
  const status = document.createElement("span");
  status.className = "upload-status";
  status.textContent = text("waiting");
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute("aria-label", task.name);
  const mark = document.createElement("span");
  mark.className = "upload-mark";
  row.append(icon("file"), name, bar, status, button, mark);
  row.task = task;
  task.row = row;
  list.insertBefore(row, moreLine?.isConnected ? moreLine : null);
  lines += 1;
  if (lines > MAX_LINES) {
    const shown = [...list.querySelectorAll("li.upload-item")];
    const old = shown.find((line) => FINISHED.includes(line.task.state)) || shown[0];
    old.task.row = null;
    old.remove();
    lines -= 1;
  }
}

function renderMore() {
  const hidden = tasks.length - lines;
  if (hidden <= 0) { moreLine?.remove(); return; }
  if (!moreLine) {
    moreLine = document.createElement("li");
    moreLine.className = "upload-more";
  }
  moreLine.textContent = (strings?.dataset.andMore || "and {n} more").replace("{n}", new Intl.NumberFormat(document.documentElement.lang || undefined).format(hidden));
  if (!moreLine.isConnected) list.append(moreLine);
}

// Count a task into the running sums (again, after it changed).
function count(task) {
  const sent = sentOf(task);
  const running = !FINISHED.includes(task.state);
  const complete = task.state === "done";
  totals.sent += sent - (task.countedSent || 0);
  totals.running += running - (task.countedRunning || 0);
  totals.complete += complete - (task.countedComplete || 0);
  Object.assign(task, { countedSent: sent, countedRunning: running, countedComplete: complete });
}

// A file to upload; `cancel` is called by its line's Cancel button. It gets a line at once while
// there are few, else when it starts (trayRender).
export function trayAdd(task, cancel) {
  task.cancel = cancel;
  if (totals.running === 0) started = performance.now();
  tasks.push(task);
  totals.size += task.file.size;
  if (lines < MAX_LINES) addLine(task);
  tray.hidden = false;
  close.hidden = true;
  done.hidden = true;
  summary.hidden = false;
  trayRender(task);
  news.textContent = counted("uploading", totals.running);
}

// Show a task's progress (and `status`, or its speed and time left while it uploads), and the totals.
export function trayRender(task, status) {
  count(task);
  if (!task.row && task.state !== "waiting") addLine(task);
  renderMore();
  const { row } = task;
  if (!row) { renderTotals(); return; }
  const sent = sentOf(task);
  const fraction = task.file.size ? sent / task.file.size : (task.state === "done" ? 1 : 0);
  row.querySelector("progress").value = Math.min(1, fraction);
  row.querySelector("button").hidden = FINISHED.includes(task.state);
  row.dataset.state = task.state;
  const mark = row.querySelector(".upload-mark");
  const markName = { done: "circle-check", failed: "circle-alert" }[task.state] || "";
  if (mark.dataset.icon !== markName) {
    mark.dataset.icon = markName;
    mark.replaceChildren(...(markName ? [icon(markName)] : []));
  }
  if (status) row.querySelector(".upload-status").textContent = status;
  else if (task.state === "uploading") {
    const seconds = (performance.now() - task.started) / 1000;
    const speed = sent / Math.max(seconds, 0.001);
    const left = speed ? (task.file.size - sent) / speed : 0;
    row.querySelector(".upload-status").textContent = `${Math.round(fraction * 100)}% · ${formatSize(sent)} / ${formatSize(task.file.size)} · ${formatSize(speed)}/s · ${duration(left)} ${text("left")}`;
  }
  renderTotals();
}

function renderTotals() {
  const { size: total, sent, running } = totals;
  overall.value = total ? sent / total : (running ? 0 : 1);
  if (running) {
    title.textContent = counted("uploading", running);
    const seconds = (performance.now() - started) / 1000;
    const speed = sent / Math.max(seconds, 0.001);
    const left = speed > 0 && seconds > 1 ? ` · ${duration((total - sent) / speed)} ${text("left")}` : "";
    summary.textContent = `${Math.round(overall.value * 100)}% · ${text("of").replace("{sent}", formatSize(sent)).replace("{total}", formatSize(total))}${left}`;
    return;
  }
  title.textContent = counted("complete", totals.complete);
}

// Every task has finished: say so, and let the tray be closed.
export function trayFinished() {
  tasks.forEach(count); // a state may have changed with no render yet (a cancel under way)
  renderTotals();
  const problems = tasks.some((t) => t.state === "failed");
  done.textContent = problems ? text("notUploaded") : text("allDone");
  done.hidden = false;
  summary.hidden = true;
  close.hidden = false;
  news.textContent = `${title.textContent}. ${done.textContent}`;
}

export const trayBusy = () => tasks.some((t) => !FINISHED.includes(t.state));

if (tray) {
  setCollapsed(sessionStorage.getItem(COLLAPSED_KEY) === "1");
  toggle.addEventListener("click", () => setCollapsed(!tray.classList.contains("is-collapsed")));
  close.addEventListener("click", () => {
    if (trayBusy()) return;
    tasks.splice(0);
    list.replaceChildren();
    Object.assign(totals, { size: 0, sent: 0, running: 0, complete: 0 });
    lines = 0;
    tray.hidden = true;
    // Focus was on the button that just went: give it to the page's title.
    const heading = document.querySelector("#listing h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  });
}
