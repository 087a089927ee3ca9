// Menus (role="menu" of role="menuitem" buttons), as the WAI-ARIA menu button pattern says:
// open beside their button or at the pointer (a bottom sheet at phone width, by CSS), focus
// the first item; arrow keys, Home and End move, a letter jumps to the item it starts; Escape
// closes and gives focus back; Tab, a click elsewhere, scrolling or resizing close.
let open = null; // {menu, opener, returnTo}

const itemsOf = (menu) => [...menu.querySelectorAll("[role=menuitem]")].filter((item) => !item.disabled && !item.closest("[hidden]"));

function place(menu, opener, x, y) {
  menu.style.left = menu.style.top = "";
  if (getComputedStyle(menu).position !== "fixed") return;
  const box = menu.getBoundingClientRect();
  if (opener) {
    const at = opener.getBoundingClientRect();
    x = at.left + at.width / 2 < innerWidth / 2 ? at.left : at.right - box.width; // open towards the middle
    y = at.bottom + 4;
    if (y + box.height > innerHeight - 8) y = at.top - box.height - 4;
  } else if (y + box.height > innerHeight - 8) {
    y -= box.height;
  }
  menu.style.left = `${Math.max(8, Math.min(x, innerWidth - box.width - 8))}px`;
  menu.style.top = `${Math.max(8, Math.min(y, innerHeight - box.height - 8))}px`;
}

// Open `menu` under `opener` (a button with aria-haspopup) or at the point x, y (a right-click);
// `returnTo` gets the focus back when it closes (the opener by default).
export function openMenu(menu, { opener = null, x = 0, y = 0, returnTo = null } = {}) {
  closeMenu({ focus: false });
  open = { menu, opener, returnTo: returnTo || opener };
  menu.hidden = false;
  menu.classList.add("is-open");
  if (opener) opener.setAttribute("aria-expanded", "true");
  place(menu, opener, x, y);
  const first = itemsOf(menu)[0];
  if (first) first.focus();
}

export function closeMenu({ focus = true } = {}) {
  if (!open) return;
  const { menu, opener, returnTo } = open;
  open = null;
  menu.hidden = true;
  menu.classList.remove("is-open");
  if (opener) opener.setAttribute("aria-expanded", "false");
  if (focus && returnTo && returnTo.isConnected) returnTo.focus();
}

document.addEventListener("keydown", (event) => {
  if (!open || !open.menu.contains(event.target)) return;
  const items = itemsOf(open.menu);
  const index = items.indexOf(document.activeElement);
  const go = (next) => { event.preventDefault(); items[(next + items.length) % items.length]?.focus(); };
  if (event.key === "ArrowDown") go(index + 1);
  else if (event.key === "ArrowUp") go(index - 1);
  else if (event.key === "Home") go(0);
  else if (event.key === "End") go(items.length - 1);
  else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); closeMenu(); }
  else if (event.key === "Tab") closeMenu();
  else if (event.key.length === 1 && /\S/.test(event.key)) {
    const letter = event.key.toLocaleLowerCase();
    const later = [...items.slice(index + 1), ...items.slice(0, index + 1)];
    const match = later.find((item) => item.textContent.trim().toLocaleLowerCase().startsWith(letter));
    if (match) { event.preventDefault(); match.focus(); }
  }
});

document.addEventListener("pointerdown", (event) => {
  if (open && !open.menu.contains(event.target) && !(open.opener && open.opener.contains(event.target))) closeMenu({ focus: false });
}, true);
addEventListener("resize", () => closeMenu({ focus: false }));
addEventListener("scroll", () => { if (open && getComputedStyle(open.menu).position === "fixed" && open.opener) place(open.menu, open.opener); }, true);
