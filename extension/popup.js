// The toolbar popup: pair with Clipdesk (paste the code it shows), clip the current tab, and see
// what became of the last clip (clipped, already in the library, or failed with why).

"use strict";

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

async function currentTab() {
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function showPairing(stored) {
  $("pair-state").textContent = stored.token
    ? `Paired with Clipdesk on port ${stored.port}.`
    : "Not paired: paste the pairing code Clipdesk shows.";
  $("pair-state").dataset.paired = stored.token ? "yes" : "no";
}

function showResult(last) {
  const box = $("result");
  if (!last) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.className = last.status;
  box.dataset.status = last.status;
  box.dataset.code = last.error?.code ?? "";
  const what = last.title || last.url || "";
  if (last.status === "created") {
    $("result-status").textContent = `Clipped (#${last.id})`;
    $("result-detail").textContent = what;
  } else if (last.status === "duplicate") {
    $("result-status").textContent = `Already in the library (#${last.id})`;
    $("result-detail").textContent = what;
  } else if (last.status === "paired") {
    $("result-status").textContent = `Paired (port ${last.port})`;
    $("result-detail").textContent = "";
  } else {
    $("result-status").textContent = `Failed [${last.error?.code ?? "unknown"}]`;
    $("result-detail").textContent = last.error?.message ?? "";
  }
}

async function refresh() {
  const stored = await ext.storage.local.get(["token", "port", "tags", "last"]);
  showPairing(stored);
  if (document.activeElement !== $("tags")) $("tags").value = (stored.tags ?? []).join(", ");
  showResult(stored.last);
}

async function clip(selectionOnly) {
  const tab = await currentTab();
  if (tab?.id === undefined) return;
  const tags = $("tags").value.split(",").map((t) => t.trim()).filter((t) => t);
  await ext.storage.local.set({ tags });
  $("result").hidden = false;
  $("result-status").textContent = "Clipping…";
  $("result-detail").textContent = "";
  showResult(await ext.runtime.sendMessage({ type: "clip", tabId: tab.id, selectionOnly, tags }));
}

$("pair").addEventListener("click", async () => {
  const answer = await ext.runtime.sendMessage({ type: "pair", code: $("code").value });
  showResult(answer);
  if (answer?.status === "paired") $("code").value = "";
  showPairing(await ext.storage.local.get(["token", "port"]));
});
$("clip").addEventListener("click", () => clip(false));
$("clip-selection").addEventListener("click", () => clip(true));
ext.storage.onChanged.addListener(refresh);
refresh();
