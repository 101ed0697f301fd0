// Application state shared by the views (Svelte 5 runes).
import { api, AppError } from "../ipc/api";
import type { AlertDto, ClipRow, FacetSet, IpcError, MonitorCounts, SyncProgressDto, SyncStatusDto } from "../ipc/api";

export type View = "library" | "taxonomy" | "briefings" | "trends" | "inbox" | "sources" | "watches";

class AppState {
  view = $state<View>("library");
  query = $state("");
  sort = $state<"relevance" | "newest" | "oldest">("newest");
  /** One row per story: copies and coverage of one event counted once (toggled with `g`). */
  collapse = $state(false);
  total = $state(0);
  /** Loaded rows by position in the result list (sparse: pages load as the list scrolls). */
  rows = $state<Record<number, ClipRow>>({});
  facets = $state<FacetSet | null>(null);
  /** The clip open in the reader. */
  current = $state<number | null>(null);
  selected = $state<Set<number>>(new Set());
  error = $state<string | null>(null);
  errorCode = $state<string | null>(null);
  toast = $state<string | null>(null);
  showClip = $state(false);
  showHelp = $state(false);
  showCheatsheet = $state(false);
  /** Bumped when the library changes, so views reload. */
  generation = $state(0);
  searchMs = $state(0);
  /** "topic:Path" and "actor:Name" of every tag, for completion in tag fields. */
  tagNames = $state<string[]>([]);
  // Monitoring: the rail's badges, the alert list, and what other views ask the inbox to show.
  /** Unread (new) inbox entries. */
  unread = $state(0);
  /** Unseen alerts. */
  alertCount = $state(0);
  alerts = $state<AlertDto[]>([]);
  showAlerts = $state(false);
  /** The inbox's query (kept here so Sources can open the inbox on one source or folder). */
  inboxQuery = $state("");
  /** An entry the inbox should select and show (set by the alert list). */
  openEntry = $state<number | null>(null);
  /** Bumped when a poll ends (in the background or asked for), so monitoring views reload. */
  monitorGeneration = $state(0);
  /** Where the library stands with its team database (null until known). */
  sync = $state<SyncStatusDto | null>(null);
  /** How far the running sync has got (null when none runs). */
  syncProgress = $state<SyncProgressDto | null>(null);
  showTeam = $state(false);
  /** The time relative times are measured from; ticks every 30 s (App.svelte). */
  now = $state(Date.now());
  private requestSeq = 0;
  private pending = new Set<number>();

  fail(e: unknown) {
    if (e instanceof AppError) {
      this.error = e.message;
      this.errorCode = e.code;
    } else {
      this.error = String(e);
      this.errorCode = "app.unknown";
    }
  }

  /** The coded error `e` is, for a view that shows it in place (the shared `error` is left alone). */
  coded(e: unknown): IpcError {
    if (e instanceof AppError) return { code: e.code, message: e.message };
    return { code: "app.unknown", message: String(e) };
  }

  say(message: string) {
    this.toast = message;
    setTimeout(() => {
      if (this.toast === message) this.toast = null;
    }, 3500);
  }

  /** Runs the current query from the top: total, first page, facets. */
  async refresh() {
    const seq = ++this.requestSeq;
    const started = performance.now();
    try {
      const page = await api.search(this.query, 0, 100, this.sort, true, this.collapse);
      if (seq !== this.requestSeq) return;
      const rows: Record<number, ClipRow> = {};
      page.rows.forEach((r, i) => (rows[i] = r));
      this.rows = rows;
      this.pending.clear();
      this.total = page.total;
      this.facets = page.facets;
      this.error = null;
      this.errorCode = null;
      this.searchMs = Math.round(performance.now() - started);
      if (this.current === null && page.rows.length > 0) this.current = page.rows[0].id;
    } catch (e) {
      if (seq !== this.requestSeq) return;
      this.fail(e);
    }
  }

  /** Loads the page of rows around `index` if it is not loaded yet. */
  async ensure(index: number) {
    const pageSize = 100;
    const start = Math.floor(index / pageSize) * pageSize;
    if (this.rows[start] || this.pending.has(start) || start >= this.total) return;
    this.pending.add(start);
    const seq = this.requestSeq;
    try {
      const page = await api.search(this.query, start, pageSize, this.sort, false, this.collapse);
      if (seq !== this.requestSeq) return;
      const rows = { ...this.rows };
      page.rows.forEach((r, i) => (rows[start + i] = r));
      this.rows = rows;
    } catch (e) {
      this.fail(e);
    } finally {
      this.pending.delete(start);
    }
  }

  /** Adds a field filter to the query ("topic:Syria"), as a facet click does. */
  refine(field: string, value: string) {
    const quoted = /[\s"():]/.test(value) ? `"${value.replace(/"/g, "")}"` : value;
    const term = `${field}:${quoted}`;
    if (!this.query.includes(term)) this.query = this.query.trim() ? `${this.query.trim()} ${term}` : term;
    this.refresh();
  }

  /** Moves the reader to the next (+1) or previous (−1) clip of the list. */
  async step(delta: number) {
    const ids = Object.entries(this.rows).sort((a, b) => Number(a[0]) - Number(b[0]));
    const at = ids.findIndex(([, r]) => r.id === this.current);
    const next = at < 0 ? 0 : Math.max(0, Math.min(this.total - 1, at + delta));
    await this.ensure(next);
    const row = this.rows[next];
    if (row) this.current = row.id;
  }

  changed() {
    this.generation++;
    this.refresh();
    this.loadTags();
    if (this.sync?.remote) this.refreshSync();
  }

  setCounts(c: MonitorCounts | null | undefined) {
    if (!c) return;
    this.unread = c.unread;
    this.alertCount = c.alerts;
  }

  async refreshCounts() {
    try {
      this.setCounts(await api.monitorCounts());
    } catch (e) {
      this.say(`Cannot count the unread entries: ${this.coded(e).message}`);
    }
  }

  async loadAlerts() {
    try {
      this.alerts = await api.alerts(false);
    } catch (e) {
      this.say(`Cannot list the alerts: ${this.coded(e).message}`);
    }
  }

  async refreshSync() {
    try {
      this.sync = await api.syncStatus();
    } catch (e) {
      this.say(`Cannot read the sync state: ${this.coded(e).message}`);
    }
  }

  /** Syncs now; the status line says how it went. */
  async syncNow(): Promise<void> {
    try {
      const r = await api.syncNow();
      const parts = [`sent ${r.pushed}`, `received ${r.pulled}`];
      if (r.refused.length) parts.push(`${r.refused.length} refused`);
      if (r.conflicts) parts.push(`${r.conflicts} conflict${r.conflicts === 1 ? "" : "s"} to settle`);
      this.say(r.cancelled ? `Sync stopped: ${parts.join(" · ")} (the next sync goes on)` : `Synced: ${parts.join(" · ")}`);
      if (r.pulled || r.refused.length) this.changed();
    } catch (e) {
      const c = this.coded(e);
      this.say(c.code === "sync.connect" ? "Offline: changes wait on this laptop" : `Sync failed: ${c.message}`);
    } finally {
      this.refreshSync();
    }
  }

  /** Shows a clip in the Library's reader. */
  openClip(id: number) {
    this.view = "library";
    this.current = id;
  }

  async loadTags() {
    try {
      const t = await api.taxonomy();
      this.tagNames = [...t.topics.map((x) => `topic:${x.path}`), ...t.actors.map((x) => `actor:${x.name}`)];
    } catch (e) {
      this.fail(e);
    }
  }
}

export const app = new AppState();
