// Clipdesk's capture extension, background: a service worker in Chromium, an event page in
// Firefox. The toolbar popup, the context menu ("Clip this page to Clipdesk", "Clip selection
// only") and the keyboard shortcut (Alt+Shift+C) all come here: the page's DOM as the browser has
// rendered it, its URL and the selection are read in the tab (chrome.scripting, allowed by
// activeTab for the tab the analyst acted on) and sent to the Clipdesk app on 127.0.0.1 with the
// pairing token. The result is kept for the popup and shown on the toolbar badge.
//
// Plain JavaScript, no build step, no remote code. Nothing here reads the library: the endpoint
// only adds clips.

"use strict";

const ext = globalThis.browser ?? globalThis.chrome;

/** The endpoint's documented port and its fallbacks (src/capture/mod.rs). */
const PORTS = [47615, 47616, 47617, 47618, 47619];
const TOKEN_HEADER = "X-Clipdesk-Token";
/** How long one request to the app may take (a large page is extracted before it answers). */
const TIMEOUT_MS = 60000;

ext.runtime.onInstalled.addListener(() => {
  ext.contextMenus.removeAll(() => {
    ext.contextMenus.create({ id: "clip-page", title: "Clip this page to Clipdesk", contexts: ["page", "selection"] });
    ext.contextMenus.create({ id: "clip-selection", title: "Clip selection only", contexts: ["selection"] });
  });
});

ext.contextMenus.onClicked.addListener((info, tab) => {
  if (tab?.id === undefined) return;
  clipTab(tab.id, { selectionOnly: info.menuItemId === "clip-selection" });
});

ext.commands.onCommand.addListener(async (command, tab) => {
  if (command !== "clip-page") return;
  const target = tab ?? (await ext.tabs.query({ active: true, currentWindow: true }))[0];
  if (target?.id !== undefined) clipTab(target.id, {});
});

// Requests from the extension's own pages (the popup); web pages cannot send these (no
// externally_connectable, no content scripts).
ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== ext.runtime.id) return false;
  let work;
  if (message?.type === "clip" && Number.isInteger(message.tabId)) {
    work = clipTab(message.tabId, { selectionOnly: !!message.selectionOnly, tags: message.tags });
  } else if (message?.type === "pair" && typeof message.code === "string") {
    work = pair(message.code);
  } else if (message?.type === "unpair") {
    work = ext.storage.local.remove(["token", "port"]).then(() => ({ ok: true }));
  } else {
    return false;
  }
  work.then(sendResponse, (e) => sendResponse({ status: "failed", error: { code: "extension.internal", message: String(e) } }));
  return true;
});

/** Parses a pairing code: `PORT-TOKEN`, or the token alone (64 hex digits). */
function parseCode(code) {
  const m = /^\s*(?:(\d{1,5})-)?([0-9a-f]{64})\s*$/i.exec(code);
  if (!m) return null;
  const port = m[1] ? Number(m[1]) : null;
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { port, token: m[2].toLowerCase() };
}

/** Pairs with the app: the endpoint checks the token and records this extension's origin. */
async function pair(code) {
  const parsed = parseCode(code);
  if (!parsed) {
    return failed("extension.bad_code", "That is not a Clipdesk pairing code (PORT-TOKEN, shown by the app or `clipdesk capture pair`).");
  }
  const ports = parsed.port ? [parsed.port, ...PORTS.filter((p) => p !== parsed.port)] : PORTS;
  let last = failed("extension.unreachable", "Clipdesk is not running (no answer on 127.0.0.1).");
  for (const port of ports) {
    const answer = await request(port, "POST", "/v1/pair", parsed.token, "{}");
    if (answer.unreachable) continue;
    if (answer.ok) {
      await ext.storage.local.set({ token: parsed.token, port });
      return { status: "paired", port };
    }
    last = answer.body;
    if (answer.body?.error?.code === "capture.token") break;
  }
  return last;
}

/** Clips a tab: reads it, sends it, keeps the result for the popup. */
async function clipTab(tabId, { selectionOnly = false, tags } = {}) {
  const stored = await ext.storage.local.get(["token", "port", "tags"]);
  let result;
  let page = null;
  if (!stored.token) {
    result = failed("extension.not_paired", "Pair the extension with Clipdesk first (open its popup).");
  } else {
    try {
      const [injection] = await ext.scripting.executeScript({ target: { tabId }, func: readPage });
      page = injection?.result ?? null;
    } catch (e) {
      result = failed("extension.no_access", `This page cannot be read by extensions (${e?.message ?? e}).`);
    }
  }
  if (page && !/^https?:/.test(page.url)) {
    result = failed("extension.not_web", "Only web pages (http, https) can be clipped.");
  } else if (page && selectionOnly && !page.selection.trim()) {
    result = failed("extension.no_selection", "Select the text to clip first.");
  } else if (page) {
    const body = JSON.stringify({
      url: page.url,
      html: page.html,
      selection: page.selection || null,
      tags: normalizeTags(tags ?? stored.tags ?? []),
      browser: await browserName(),
      selection_only: selectionOnly,
    });
    result = await send(stored, "/v1/clip", body);
  }
  const last = { ...result, url: page?.url ?? null, title: page?.title ?? null, at: new Date().toISOString() };
  await ext.storage.local.set({ last });
  badge(result.status);
  return last;
}

/** Runs in the page: what the analyst sees, after its scripts ran. */
function readPage() {
  const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\n" : "";
  return {
    url: location.href,
    title: document.title,
    html: doctype + document.documentElement.outerHTML,
    selection: String(window.getSelection() ?? ""),
  };
}

function normalizeTags(tags) {
  const list = Array.isArray(tags) ? tags : String(tags).split(",");
  return list.map((t) => String(t).trim()).filter((t) => t.length > 0).slice(0, 50);
}

/** POSTs to the endpoint on the stored port; if nothing answers there, finds the app on the others. */
async function send(stored, path, body) {
  const ports = [stored.port ?? PORTS[0], ...PORTS.filter((p) => p !== stored.port)];
  for (const port of ports) {
    const answer = await request(port, "POST", path, stored.token, body);
    if (answer.unreachable) continue;
    if (port !== stored.port && answer.body?.error?.code !== "capture.host") await ext.storage.local.set({ port });
    return answer.body;
  }
  return failed("extension.unreachable", "Clipdesk is not running (no answer on 127.0.0.1). Start the app, or `clipdesk capture serve`.");
}

async function request(port, method, path, token, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { "Content-Type": "application/json", [TOKEN_HEADER]: token },
      body,
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    });
    let parsed;
    try {
      parsed = await response.json();
    } catch {
      // Another program on that port: not Clipdesk.
      return { unreachable: true };
    }
    return { ok: response.ok, body: parsed };
  } catch {
    return { unreachable: true };
  } finally {
    clearTimeout(timer);
  }
}

function failed(code, message) {
  return { status: "failed", error: { code, message } };
}

/** "Chromium 156.0.8078.108", "Firefox 140.0": recorded with the clip as where it came from. */
async function browserName() {
  try {
    if (ext.runtime.getBrowserInfo) {
      const info = await ext.runtime.getBrowserInfo();
      return `${info.name} ${info.version}`;
    }
    const data = navigator.userAgentData;
    if (data?.getHighEntropyValues) {
      const { fullVersionList } = await data.getHighEntropyValues(["fullVersionList"]);
      const brands = (fullVersionList ?? []).filter((b) => !/not.?a.?brand/i.test(b.brand));
      const brand = brands.find((b) => b.brand !== "Chromium") ?? brands.find((b) => b.brand === "Chromium");
      if (brand) return `${brand.brand} ${brand.version}`;
    }
  } catch {
    // Fall back to the user agent string.
  }
  const m = /(Firefox|Edg|OPR|Chromium|Chrome)\/([\d.]+)/.exec(navigator.userAgent);
  return m ? `${m[1] === "Edg" ? "Edge" : m[1]} ${m[2]}` : "unknown browser";
}

function badge(status) {
  const [text, color] = { created: ["✓", "#2e7d32"], duplicate: ["=", "#546e7a"] }[status] ?? ["!", "#c62828"];
  ext.action.setBadgeText({ text });
  ext.action.setBadgeBackgroundColor({ color });
}
