// The BasicUI handshake (accounts/services/basicui.py, PDS document 000). A site with its own
// users opens /accesstoken?origin=<its origin>; the server rendered this page only for an
// origin of DRIVE_BASICUI_ORIGINS. This module
//   1. posts {type: "ready"} to window.opener, targeted at exactly that origin (the browser
//      drops it if the opener is now at another origin);
//   2. takes one message {type: "token", access_token, refresh_token?, expires_in?} whose
//      event.origin is that origin and whose event.source is the opener; every other message
//      is ignored (and said so on the console, for the site's developers);
//   3. posts the token to Drive (CSRF-protected), which checks it at the PDS and signs in,
//      and goes on to the drive. A token Drive refuses is said on the page; the site may post
//      another.
import { api } from "./ui.js";
import { markReady } from "./ready.js";

const root = document.getElementById("basicui");
const origin = root.dataset.origin;
const status = document.getElementById("basicui-status");
const problem = document.getElementById("basicui-error");
const opener = window.opener;
const waiting = status.textContent;
let busy = false;

function ignore(event, why) {
  console.warn(`Drive BasicUI: ignored a message from ${event.origin}: ${why}`);
}

async function accept(message) {
  busy = true;
  problem.hidden = true;
  status.textContent = root.dataset.checking || status.textContent;
  try {
    const answer = await api("POST", root.dataset.acceptUrl, {
      origin,
      access_token: message.access_token,
      expires_in: message.expires_in,
    });
    location.assign(answer.next);
  } catch (error) {
    status.textContent = waiting; // the site may post another token
    problem.textContent = error.message;
    problem.hidden = false;
    busy = false;
  }
}

function onMessage(event) {
  if (event.origin !== origin) return ignore(event, "not the origin this page was opened for");
  if (!opener || event.source !== opener) return ignore(event, "not from the window that opened this page");
  const message = event.data;
  if (!message || typeof message !== "object" || message.type !== "token") return ignore(event, 'not {type: "token"}');
  if (typeof message.access_token !== "string" || !message.access_token) return ignore(event, "no access_token");
  if (busy) return ignore(event, "a token is being checked already");
  accept(message);
}

window.addEventListener("message", onMessage);
if (opener) {
  opener.postMessage({ type: "ready" }, origin);
} else {
  status.hidden = true;
  document.getElementById("basicui-no-opener").hidden = false;
}
markReady("basicui");
