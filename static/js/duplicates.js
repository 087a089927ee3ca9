// The Duplicates review (templates/files/duplicates.html): as the page opens, waits for the
// drive's search for duplicates (a recent one, or a new one when there is none: an async task
// of the PDS, asked about until it is done); "Look again" starts another. Each cluster keeps
// the photo chosen (the best one unless the person picks another) and trashes the rest, one
// cluster or all of them at once, through the folder page's trash endpoint
// (files/actions_api.py), with Undo. The list is never replaced under the person: results of a
// search they did not ask for are offered ("New results — show"), and a list drawn again keeps
// the photos they chose to keep.
import { api, fetchFragment, toast } from "./ui.js";
import { markReady } from "./ready.js";

const root = document.getElementById("duplicates");
const labels = root.dataset;
const say = (key, values = {}) => Object.entries(values).reduce((text, [k, v]) => text.replace(`%(${k})s`, v), labels[key] || key);
const list = () => document.getElementById("duplicates-list");
const status = root.querySelector("[data-dup-status]");
const findButton = root.querySelector("[data-dup-find]");
const trashAllButton = root.querySelector("[data-dup-trash-all]");
const showNewButton = root.querySelector("[data-dup-show-new]");
const confirmDialog = document.getElementById("dup-confirm");
const pause = (ms) => new Promise((done) => setTimeout(done, ms));
// How long the page waits for the search (the analysis workers may be busy with a backfill).
const FIND_PATIENCE_MS = 5 * 60 * 1000;

let finding = false; // a search the person asked for ("Look again"): Trash all waits for it
let trashing = null; // the trash under way (a promise)
// The photos the person chose to keep (file ids), kept when the list is drawn again.
const chosen = new Set();

// While trashing, nothing else; while looking again, no "Trash all" (the list will change).
function setBusy(busy) {
  root.querySelectorAll("button").forEach((button) => { button.disabled = busy; });
  if (!busy && finding) [findButton, trashAllButton].forEach((button) => { button.disabled = true; });
  list().setAttribute("aria-busy", String(busy));
}

list().parentElement.addEventListener("change", (event) => {
  const radio = event.target.closest?.("#duplicates-list input[type=radio]");
  if (!radio) return;
  radio.closest(".dup-cluster").querySelectorAll("input[type=radio]").forEach((other) => chosen.delete(other.value));
  chosen.add(radio.value);
});

// The clusters as the server renders them now (the page again, without looking again), each
// one keeping the photo the person chose in it.
async function reload() {
  if (trashing) await trashing.catch(() => null);
  const fresh = (await fetchFragment(location.href))?.getElementById("duplicates-list");
  if (!fresh) return;
  fresh.querySelectorAll("input[type=radio]").forEach((radio) => { if (chosen.has(radio.value)) radio.checked = true; });
  list().replaceWith(fresh);
  trashAllButton.hidden = !fresh.querySelector(".dup-cluster");
  showNewButton.hidden = true;
}

// `auto`: the page opening (a recent search is waited for, not started again); its results
// are offered, not put in place, when clusters are already shown.
async function find({ auto = false } = {}) {
  if (!auto) {
    finding = true;
    [findButton, trashAllButton].forEach((button) => { button.disabled = true; });
    list().setAttribute("aria-busy", "true");
    status.textContent = say("labelFinding");
  }
  try {
    const { task_id: taskId } = await api("POST", labels.find, { again: !auto });
    const deadline = Date.now() + FIND_PATIENCE_MS;
    for (let wait = 300, first = true; ; wait = Math.min(wait * 1.5, 2000), first = false) {
      const state = await api("GET", labels.task.replace("TASK_ID", encodeURIComponent(taskId)));
      if (state.state === "Failed") throw new Error(state.error || state.state);
      if (state.state !== "Running") {
        if (auto && first && taskId === labels.lastFind) return; // the list shown is its result
        break;
      }
      if (first && auto) findButton.disabled = true; // already looking
      if (first) status.textContent = say("labelFinding");
      if (Date.now() > deadline) {
        status.textContent = say("labelSlow"); // the clusters shown are those of the last search
        return;
      }
      await pause(wait);
    }
    const reviewing = list().querySelector(".dup-cluster") || confirmDialog.open;
    if (auto && reviewing) {
      status.textContent = say("labelNew");
      showNewButton.hidden = false;
    } else {
      await reload();
      status.textContent = "";
    }
  } catch (error) {
    status.textContent = "";
    toast(say("labelFailed", { reason: error.message }), { error: true });
  } finally {
    finding = false;
    list().setAttribute("aria-busy", "false");
    if (!trashing) [findButton, trashAllButton].forEach((button) => { button.disabled = false; });
  }
}

showNewButton.addEventListener("click", async () => {
  status.textContent = "";
  try {
    await reload();
  } catch (error) {
    toast(error.message, { error: true });
    return;
  }
  (list().querySelector("input[type=radio]:checked") || findButton).focus();
});

// The photos of these clusters that are not the one to keep, as chosen now (a cluster with
// no photo marked Keep gives none).
function rest(clusters) {
  return clusters.flatMap((cluster) => {
    const kept = cluster.querySelector("input[type=radio]:checked")?.value;
    if (!kept) return [];
    return [...cluster.querySelectorAll(".dup-copy")].map((copy) => copy.dataset.id).filter((id) => id && id !== kept);
  });
}

function trash(clusters) {
  trashing = trashRest(clusters).finally(() => { trashing = null; setBusy(false); });
  return trashing;
}

async function trashRest(clusters) {
  const ids = rest(clusters);
  if (!ids.length) return;
  const next = clusters.length === 1 ? clusters[0].nextElementSibling : null;
  setBusy(true);
  try {
    const result = await api("POST", `${labels.actions}trash`, { ids });
    if (result.failed) toast(say("labelPartial", { count: result.failed, reason: result.error }), { error: true });
    const gone = new Set(result.done);
    // A cluster whose copies all went but the kept one is done: out of the list.
    clusters.forEach((cluster) => {
      const left = [...cluster.querySelectorAll(".dup-copy")].filter((copy) => !gone.has(copy.dataset.id));
      if (left.length < 2) cluster.remove();
      else cluster.querySelectorAll(".dup-copy").forEach((copy) => { if (gone.has(copy.dataset.id)) copy.remove(); });
    });
    trashing = null; // done: a reload now need not wait for it
    if (!list().querySelector(".dup-cluster")) await reload();
    setBusy(false);
    // The next group to review, else the top.
    ((next?.isConnected && next.querySelector("input[type=radio]:checked")) || findButton).focus();
    toast(say("labelTrashed", { count: result.done.length }), {
      action: {
        label: say("labelUndo"),
        run: async () => {
          try {
            const back = await api("POST", `${labels.actions}restore`, { ids: result.done });
            await reload();
            toast(say("labelRestored", { count: back.done.length }));
          } catch (error) {
            toast(error.message, { error: true });
          }
        },
      },
    });
  } catch (error) {
    toast(error.message, { error: true });
  }
}

document.addEventListener("click", (event) => {
  const one = event.target.closest("[data-dup-trash]");
  if (one) trash([one.closest(".dup-cluster")]);
});

findButton.addEventListener("click", () => find());

trashAllButton.addEventListener("click", () => {
  const clusters = [...list().querySelectorAll(".dup-cluster")];
  const count = rest(clusters).length;
  confirmDialog.querySelector("[data-dup-confirm-text]").textContent = say(count === 1 ? "labelConfirmOne" : "labelConfirm", { count });
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
});

confirmDialog.addEventListener("close", () => {
  if (confirmDialog.returnValue === "trash") trash([...list().querySelectorAll(".dup-cluster")]);
  else trashAllButton.focus();
});

markReady("duplicates");
if (labels.auto === "true") find({ auto: true });
