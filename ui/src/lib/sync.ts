// Where the library stands with its team database, decided once; the rail and the team sheet
// word it each their own way.
import type { SyncProgressDto, SyncStatusDto } from "../ipc/api";

export type SyncState = "off" | "busy" | "offline" | "failed" | "ok";

/** The state to show: not shared, a sync running, offline (the last try could not connect), the last sync failed, or synced. */
export function syncState(s: SyncStatusDto | null, running = false): SyncState {
  if (!s || !s.remote) return "off";
  if (s.running || running) return "busy";
  if (s.last_error?.code === "sync.connect") return "offline";
  if (s.last_error) return "failed";
  return "ok";
}

/** "↑ 1,200/46,583" (short) or "Sending 1,200 of 46,583 changes." (long); "" before the first batch. */
export function progressText(p: SyncProgressDto | null, long: boolean): string {
  if (!p || p.total <= 0) return "";
  const done = p.done.toLocaleString();
  const total = p.total.toLocaleString();
  if (long) return ` ${p.phase === "push" ? "Sending" : "Receiving"} ${done} of ${total} changes.`;
  return ` ${p.phase === "push" ? "↑" : "↓"} ${done}/${total}`;
}
