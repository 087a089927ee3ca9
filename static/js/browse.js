// Folder pages: load the next page of rows as the user scrolls (server-side markers),
// select with shift-click, and move through rows with the keyboard.
const rows = document.getElementById("rows");

function watchMore() {
  const more = rows && rows.querySelector("tr.more");
  if (!more) return;
  const observer = new IntersectionObserver(async (entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    const response = await fetch(more.dataset.next, { headers: { "X-Requested-With": "fetch" } });
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    more.replaceWith(template.content);
    watchMore();
  }, { rootMargin: "400px" });
  observer.observe(more);
}

let lastChecked = null;
function onClick(event) {
  const box = event.target.closest("input[type=checkbox][name=ids]");
  if (!box) return;
  if (event.shiftKey && lastChecked) {
    const boxes = [...rows.querySelectorAll("input[type=checkbox][name=ids]")];
    const [a, b] = [boxes.indexOf(lastChecked), boxes.indexOf(box)].sort((x, y) => x - y);
    boxes.slice(a, b + 1).forEach((other) => { other.checked = box.checked; });
  }
  lastChecked = box;
}

function onKey(event) {
  if (!rows || event.target.matches("input[type=text], input:not([type]), input[type=search], textarea")) return;
  const all = [...rows.querySelectorAll("tr[data-id]")];
  const current = document.activeElement.closest && document.activeElement.closest("tr[data-id]");
  const index = all.indexOf(current);
  const focusRow = (row) => row && row.querySelector("td.name a").focus();
  if (event.key === "ArrowDown") { event.preventDefault(); focusRow(all[Math.min(index + 1, all.length - 1)]); }
  else if (event.key === "ArrowUp") { event.preventDefault(); focusRow(all[Math.max(index - 1, 0)]); }
  else if (current && event.key === " ") { event.preventDefault(); const box = current.querySelector("input[name=ids]"); box.checked = !box.checked; }
  else if (current && event.key === "F2") { event.preventDefault(); current.querySelector("td.actions a").click(); }
  else if (event.key === "Delete") {
    if (!current) return;
    const box = current.querySelector("input[name=ids]");
    if (!rows.querySelector("input[name=ids]:checked")) box.checked = true;
    event.preventDefault();
    document.querySelector("#selection button[value=trash]").click();
  }
}

if (rows) {
  watchMore();
  rows.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
}
