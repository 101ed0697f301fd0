// Keyboard shortcuts: one table, shown in tooltips and in the cheat sheet.
export interface Shortcut {
  key: string;
  label: string;
}

export const SHORTCUTS: Record<string, Shortcut> = {
  clip: { key: "n", label: "Clip URLs" },
  search: { key: "/", label: "Search" },
  next: { key: "j", label: "Next clip" },
  prev: { key: "k", label: "Previous clip" },
  tag: { key: "t", label: "Tag the clip" },
  note: { key: "e", label: "Edit the note" },
  highlight: { key: "h", label: "Highlight the selected text" },
  library: { key: "1", label: "Library" },
  taxonomy: { key: "2", label: "Topics & actors" },
  briefings: { key: "3", label: "Briefings" },
  help: { key: "?", label: "Keyboard shortcuts" },
  close: { key: "Escape", label: "Close dialog" },
};

/** "Clip URLs (n)" for a tooltip. */
export function tip(name: keyof typeof SHORTCUTS): string {
  const s = SHORTCUTS[name];
  return `${s.label} (${s.key === "Escape" ? "Esc" : s.key})`;
}

/** True when the key press comes from a text field (shortcuts then stay quiet). */
export function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}
