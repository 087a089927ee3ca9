// Each module says when it has wired its page up: `<html data-ready="browse upload">`.
// The browser tests wait for every module script of a page to be listed before they act,
// as a person only acts on a page that has finished loading.
export function markReady(name) {
  const names = new Set((document.documentElement.dataset.ready || "").split(" ").filter(Boolean));
  names.add(name);
  document.documentElement.dataset.ready = [...names].join(" ");
}
