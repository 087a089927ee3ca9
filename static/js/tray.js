// The uploads tray: a card in a bottom corner of the window with the overall progress and
// counts, collapsible (the choice is kept for the tab), expandable to one line per file
// with its progress and a Cancel button, and closable once everything has finished. It is
// outside #listing, so it stays while client-side navigation (navigate.js) changes folder.
import { formatSize } from "./size.js";

const strings = document.querySelector("[data-uploader]");
export const text = (key) => (strings && strings.dataset[key]) || key;
const plural = new Intl.PluralRules(document.documentElement.lang || "en");
const counted = (key, n) => text(key + (plural.select(n) === "one" ? "One" : "Other")).replace("{n}", n);
const FINISHED = ["done", "skipped", "cancelled", "failed"];
const COLLAPSED_KEY = "drive-upload-tray-collapsed";

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

// A line of the tray for one file; `cancel` is called by its Cancel button.
export function trayAdd(task, cancel) {
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
  button.addEventListener("click", () => cancel(task));
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
  list.append(row);
  task.row = row;
  if (tasks.every((other) => FINISHED.includes(other.state))) started = performance.now();
  tasks.push(task);
  tray.hidden = false;
  close.hidden = true;
  done.hidden = true;
  summary.hidden = false;
  news.textContent = counted("uploading", tasks.filter((t) => !FINISHED.includes(t.state)).length);
  trayRender(task);
}

// Show a task's progress (and `status`, or its speed and time left while it uploads), and the totals.
export function trayRender(task, status) {
  const { row } = task;
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
  const total = tasks.reduce((a, t) => a + t.file.size, 0);
  const sent = tasks.reduce((a, t) => a + sentOf(t), 0);
  const running = tasks.filter((t) => !FINISHED.includes(t.state)).length;
  overall.value = total ? sent / total : (running ? 0 : 1);
  if (running) {
    title.textContent = counted("uploading", running);
    const seconds = (performance.now() - started) / 1000;
    const speed = sent / Math.max(seconds, 0.001);
    const left = speed > 0 && seconds > 1 ? ` · ${duration((total - sent) / speed)} ${text("left")}` : "";
    summary.textContent = `${Math.round(overall.value * 100)}% · ${text("of").replace("{sent}", formatSize(sent)).replace("{total}", formatSize(total))}${left}`;
    return;
  }
  const complete = tasks.filter((t) => t.state === "done").length;
  title.textContent = counted("complete", complete);
}

// Every task has finished: say so, and let the tray be closed.
export function trayFinished() {
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
    tasks.splice(0).forEach((task) => task.row.remove());
    tray.hidden = true;
    // Focus was on the button that just went: give it to the page's title.
    const heading = document.querySelector("#listing h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  });
}
