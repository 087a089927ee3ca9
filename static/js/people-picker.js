// The share dialog's "People with access" (templates/files/_people_access.html): who has
// access to the item (the owner first), and for the owner an "Add people" combobox (the ARIA
// 1.2 pattern: a listbox of matching users and groups as one types; arrows, Enter, Esc), a
// role, and per person a role select and a Remove button. Changes apply at once, with a toast.
// Through files/people_share_views.py.
import { api, toast } from "./ui.js";

const DEBOUNCE_MS = 250;

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
}

export function setupPeople(dialog) {
  const section = dialog.querySelector("[data-people]");
  if (!section) return { load() {}, reset() {} };
  const labels = section.dataset;
  const addBox = section.querySelector("[data-people-add]");
  const input = section.querySelector("#people-input");
  const listbox = section.querySelector("#people-options");
  const announce = section.querySelector("[data-people-announce]");
  const roleSelect = section.querySelector("#people-role");
  const submit = section.querySelector("[data-people-submit]");
  const error = section.querySelector("[data-people-error]");
  const loadError = section.querySelector("[data-people-load-error]");
  const list = section.querySelector("[data-people-list]");
  const readOnly = section.querySelector("[data-people-readonly]");
  const icons = section.querySelector("[data-people-icons]").content;

  let fileId = null;
  let options = []; // the candidates the listbox shows
  let active = -1; // the highlighted option
  let chosen = null; // the candidate picked, until the text changes
  let timer = 0;
  let asked = 0; // the newest search, so a slow older answer is dropped

  const url = (template) => template.replace("FILE_ID", encodeURIComponent(fileId));
  const roleName = (role) => labels[`label${role[0].toUpperCase()}${role.slice(1)}`] || role;
  const icon = (type) => icons.querySelector(`[data-icon="${type === "group" ? "group" : "user"}"] svg`).cloneNode(true);

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    for (const [at, option] of [...listbox.children].entries()) {
      option.setAttribute("aria-selected", String(at === index));
    }
    const option = listbox.children[index];
    if (option && option.getAttribute("role") === "option") {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    const candidate = options[index];
    if (!candidate) return;
    chosen = candidate;
    input.value = candidate.name;
    close();
    error.textContent = "";
    input.removeAttribute("aria-invalid");
  }

  function show(items, text) {
    options = items;
    listbox.replaceChildren();
    if (!items.length) {
      const empty = document.createElement("li");
      empty.className = "people-option-empty";
      empty.setAttribute("role", "presentation");
      empty.textContent = labels.labelNone;
      listbox.append(empty);
    }
    for (const [index, candidate] of items.entries()) {
      const option = document.createElement("li");
      option.id = `people-option-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.className = `people-option people-${candidate.type}`;
      const name = document.createElement("span");
      name.className = "people-name";
      name.textContent = candidate.name;
      const detail = document.createElement("span");
      detail.className = "people-detail";
      detail.textContent = candidate.type === "group" ? [labels.labelGroup, candidate.detail].filter(Boolean).join(" · ") : candidate.detail;
      option.append(icon(candidate.type), name, detail);
      option.addEventListener("click", () => pick(index));
      listbox.append(option);
    }
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
    announce.textContent = items.length ? fill(labels.labelMatches, { count: items.length }) : labels.labelNone;
    if (text && items.length === 1) highlight(0);
  }

  async function search() {
    const text = input.value.trim();
    const ticket = ++asked;
    if (!text) {
      close();
      return;
    }
    try {
      const answer = await api("GET", `${section.dataset.search}?q=${encodeURIComponent(text)}`);
      // A late answer, after focus left the field, does not open the list again.
      if (ticket !== asked || input.value.trim() !== text || document.activeElement !== input) return;
      show(answer.items, text);
    } catch (failure) {
      if (ticket === asked) error.textContent = failure.message;
    }
  }

  input.addEventListener("input", () => {
    chosen = null;
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden && options.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        clearTimeout(timer);
        search();
        return;
      }
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (open && active >= 0) pick(active);
      else if (chosen) add();
    } else if (event.key === "Escape" && !listbox.hidden) {
      event.preventDefault(); // closes the list, not the dialog
      event.stopPropagation();
      close();
    }
  });
  listbox.addEventListener("mousedown", (event) => event.preventDefault()); // the field keeps focus
  input.addEventListener("blur", () => setTimeout(close, 0));

  async function change(body, message, { endpoint = section.dataset.add } = {}) {
    const answer = await api("POST", url(endpoint), body);
    render(answer);
    toast(message);
  }

  async function add() {
    error.textContent = "";
    if (!chosen) {
      // Typed a name exactly as one offered: that one.
      const text = input.value.trim().toLocaleLowerCase();
      const same = options.filter((candidate) => candidate.name.toLocaleLowerCase() === text);
      if (same.length === 1) chosen = same[0];
    }
    if (!chosen) {
      error.textContent = labels.labelPick;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    const who = chosen;
    const role = roleSelect.value;
    submit.disabled = true;
    try {
      await change({ type: who.type, id: who.id, role }, fill(labels.labelAdded, { name: who.name, role: roleName(role) }));
      chosen = null;
      input.value = "";
      close();
      input.focus();
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      submit.disabled = false;
    }
  }
  submit.addEventListener("click", add);

  function memberRow(member, manage) {
    const row = document.createElement("li");
    row.className = `people-member people-${member.type}`;
    const who = document.createElement("div");
    who.className = "people-who";
    const name = document.createElement("span");
    name.className = "people-name";
    name.textContent = member.you ? `${member.name} ${labels.labelYou}` : member.name;
    who.append(name);
    const detail = [];
    if (member.type === "group") detail.push(labels.labelGroup);
    if (member.inherited_from) detail.push(fill(labels.labelFrom, { folder: member.inherited_name }));
    if (detail.length) {
      const note = document.createElement("span");
      note.className = "people-detail";
      note.textContent = detail.join(" · ");
      who.append(note);
    }
    row.append(icon(member.type), who);
    const canChange = manage && member.role !== "owner" && !member.inherited_from;
    if (!canChange) {
      const role = document.createElement("span");
      role.className = "people-role-text";
      role.textContent = member.role_label;
      row.append(role);
      return row;
    }
    const select = document.createElement("select");
    select.setAttribute("aria-label", fill(labels.labelRoleOf, { name: member.name }));
    const roles = ["viewer", "editor"];
    if (!roles.includes(member.role)) roles.push(member.role);
    for (const role of roles) {
      const option = new Option(role === member.role ? member.role_label : roleName(role), role);
      option.selected = role === member.role;
      option.disabled = role === member.role && !["viewer", "editor"].includes(role);
      select.append(option);
    }
    select.addEventListener("change", async () => {
      select.disabled = true;
      try {
        const role = select.value;
        await change({ type: member.type, id: member.id, role }, fill(labels.labelChanged, { name: member.name, role: roleName(role) }));
        list.querySelector(`select[data-member="${CSS.escape(`${member.type}:${member.id}`)}"]`)?.focus();
      } catch (failure) {
        select.value = member.role;
        select.disabled = false;
        toast(failure.message, { error: true });
      }
    });
    select.dataset.member = `${member.type}:${member.id}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-quiet btn-sm people-remove";
    remove.textContent = labels.labelRemove;
    remove.setAttribute("aria-label", fill(labels.labelRemoveWho, { name: member.name }));
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await change(
          { type: member.type, id: member.id, role_id: member.role_id },
          fill(labels.labelRemoved, { name: member.name }),
          { endpoint: section.dataset.remove },
        );
        (input.checkVisibility() ? input : dialog.querySelector("[data-share-close]"))?.focus();
      } catch (failure) {
        remove.disabled = false;
        toast(failure.message, { error: true });
      }
    });
    row.append(select, remove);
    return row;
  }

  function render(access) {
    addBox.hidden = !access.manage;
    readOnly.hidden = access.manage;
    list.replaceChildren(...access.members.map((member) => memberRow(member, access.manage)));
    list.setAttribute("aria-busy", "false");
  }

  return {
    reset() {
      fileId = null;
      chosen = null;
      options = [];
      input.value = "";
      roleSelect.value = "viewer";
      error.textContent = "";
      loadError.textContent = "";
      input.removeAttribute("aria-invalid");
      close();
      addBox.hidden = true;
      readOnly.hidden = true;
      list.replaceChildren();
      list.setAttribute("aria-busy", "true");
    },
    async load(id) {
      this.reset();
      fileId = id;
      try {
        const access = await api("GET", url(section.dataset.list));
        if (fileId !== id) return;
        render(access);
      } catch (failure) {
        if (fileId === id) loadError.textContent = failure.message;
      }
    },
  };
}
