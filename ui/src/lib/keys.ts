// Keyboard shortcuts: one table, shown in tooltips and in the cheat sheet.
export interface Shortcut {
  key: string;
  label: string;
  /** Where it works, as the cheat sheet groups them (everywhere when absent). */
  where?: "Library" | "Inbox" | "Library and Inbox";
}

export const SHORTCUTS: Record<string, Shortcut> = {
  clip: { key: "n", label: "Clip URLs" },
  search: { key: "/", label: "Search (or the inbox's query)", where: "Library and Inbox" },
  next: { key: "j", label: "Next clip or entry", where: "Library and Inbox" },
  prev: { key: "k", label: "Previous clip or entry", where: "Library and Inbox" },
  tag: { key: "t", label: "Tag the clip", where: "Library" },
  note: { key: "e", label: "Edit the note", where: "Library" },
  highlight: { key: "h", label: "Highlight the selected text", where: "Library" },
  collapse: { key: "g", label: "One row per story (or per clip)", where: "Library" },
  story: { key: "s", label: "Expand the clip's story: its outlets and languages", where: "Library" },
  entryClip: { key: "c", label: "Clip the entry's full article", where: "Inbox" },
  dismiss: { key: "d", label: "Dismiss the entry and go to the next", where: "Inbox" },
  openEntry: { key: "o", label: "Open the entry in the browser", where: "Inbox" },
  unread: { key: "u", label: "Mark the entry unread (back to New)", where: "Inbox" },
  clipAll: { key: "C", label: "Clip every entry the query matches", where: "Inbox" },
  library: { key: "1", label: "Library" },
  taxonomy: { key: "2", label: "Topics & actors" },
  briefings: { key: "3", label: "Briefings" },
  inbox: { key: "4", label: "Inbox" },
  sources: { key: "5", label: "Sources" },
  watches: { key: "6", label: "Watches" },
  trends: { key: "7", label: "Trends" },
  alerts: { key: "a", label: "Alerts" },
  team: { key: "y", label: "Team desks: sync state, sync now, conflicts" },
  help: { key: "?", label: "Keyboard shortcuts" },
  close: { key: "Escape", label: "Close dialog" },
};

/** How a key is written for people: "Esc", "Shift+C", "j". */
export function keyName(key: string): string {
  if (key === "Escape") return "Esc";
  if (/^[A-Z]$/.test(key)) return `Shift+${key}`;
  return key;
}

/** "Clip URLs (n)" for a tooltip. */
export function tip(name: keyof typeof SHORTCUTS): string {
  const s = SHORTCUTS[name];
  return `${s.label} (${keyName(s.key)})`;
}

/** True when the key press comes from a text field (shortcuts then stay quiet). */
export function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}
