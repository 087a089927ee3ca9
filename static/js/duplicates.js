// The Duplicates review (templates/files/duplicates.html): looks for the drive's duplicates
// again as the page opens (an async task of the PDS, asked about until it is done) and puts
// the clusters it found in place; each cluster keeps the photo chosen (the best one unless
// the person picks another) and trashes the rest, one cluster or all of them at once, through
// the folder page's trash endpoint (files/actions_api.py), with Undo.
import { api, fetchFragment, toast } from "./ui.js";
import { markReady } from "./ready.js";

const root = document.getElementById("duplicates");
const labels = root.dataset;
const say = (key, values = {}) => Object.entries(values).reduce((text, [k, v]) => text.replace(`%(${k})s`, v), labels[key] || key);
const list = () => document.getElementById("duplicates-list");
const status = root.querySelector("[data-dup-status]");
const findButton = root.querySelector("[data-dup-find]");
const trashAllButton = root.querySelector("[data-dup-trash-all]");
const confirmDialog = document.getElementById("dup-confirm");
const pause = (ms) => new Promise((done) => setTimeout(done, ms));
// How long the page waits for the search (the analysis workers may be busy with a backfill).
const FIND_PATIENCE_MS = 5 * 60 * 1000;

// While trashing, nothing else; while looking, the clusters shown stay usable.
function setBusy(busy, { all = true } = {}) {
  const buttons = all ? root.querySelectorAll("button") : [findButton, trashAllButton];
  buttons.forEach((button) => { button.disabled = busy; });
  list().setAttribute("aria-busy", String(busy));
}

// The clusters as the server renders them now (the page again, without looking again).
async function reload() {
  const fresh = (await fetchFragment(location.href))?.getElementById("duplicates-list");
  if (!fresh) return;
  list().replaceWith(fresh);
  trashAllButton.hidden = !fresh.querySelector(".dup-cluster");
}

async function find() {
  setBusy(true, { all: false });
  status.textContent = say("labelFinding");
  try {
    const { task_id: taskId } = await api("POST", labels.find, {});
    const deadline = Date.now() + FIND_PATIENCE_MS;
    for (let wait = 300; ; wait = Math.min(wait * 1.5, 2000)) {
      const state = await api("GET", labels.task.replace("TASK_ID", encodeURIComponent(taskId)));
      if (state.state === "Failed") throw new Error(state.error || state.state);
      if (state.state !== "Running") break;
      if (Date.now() > deadline) {
        status.textContent = say("labelSlow"); // the clusters shown are those of the last search
        return;
      }
      await pause(wait);
    }
    await reload();
    status.textContent = "";
  } catch (error) {
    status.textContent = "";
    toast(say("labelFailed", { reason: error.message }), { error: true });
  } finally {
    setBusy(false, { all: false });
  }
}

// The photos of these clusters that are not the one to keep.
function rest(clusters) {
  return clusters.flatMap((cluster) => {
    const kept = cluster.querySelector("input[type=radio]:checked")?.value;
    return [...cluster.querySelectorAll(".dup-copy")].map((copy) => copy.dataset.id).filter((id) => id && id !== kept);
  });
}

async function trash(clusters) {
  const ids = rest(clusters);
  if (!ids.length) return;
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
    if (!list().querySelector(".dup-cluster")) await reload();
    setBusy(false);
    findButton.focus();
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
  } finally {
    setBusy(false);
  }
}

document.addEventListener("click", (event) => {
  const one = event.target.closest("[data-dup-trash]");
  if (one) trash([one.closest(".dup-cluster")]);
});

findButton.addEventListener("click", find);

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
if (labels.auto === "true") find();
