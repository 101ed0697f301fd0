// The only module that talks to the shell. Every command is typed with the bindings generated
// from the Rust DTOs (src/ipc/bindings, checked by a test in src-tauri).
import { invoke, Channel } from "@tauri-apps/api/core";

export type CiteFormat = "apa" | "chicago" | "bibtex" | "ris" | "csl-json";

import type { ArchiveReport } from "./bindings/ArchiveReport";
import type { BriefingPreview } from "./bindings/BriefingPreview";
import type { CitationDto } from "./bindings/CitationDto";
import type { TrendView } from "./bindings/TrendView";
import type { ClipDetail } from "./bindings/ClipDetail";
import type { DigestDto } from "./bindings/DigestDto";
import type { DigestSummary } from "./bindings/DigestSummary";
import type { IpcError } from "./bindings/IpcError";
import type { JobEvent } from "./bindings/JobEvent";
import type { RulePreviewDto } from "./bindings/RulePreviewDto";
import type { SavedSearchDto } from "./bindings/SavedSearchDto";
import type { SearchPage } from "./bindings/SearchPage";
import type { SuggestionDto } from "./bindings/SuggestionDto";
import type { TagChangeDto } from "./bindings/TagChangeDto";
import type { Taxonomy } from "./bindings/Taxonomy";
import type { AlertDto } from "./bindings/AlertDto";
import type { EntryDetail } from "./bindings/EntryDetail";
import type { InboxPage } from "./bindings/InboxPage";
import type { MonitorCounts } from "./bindings/MonitorCounts";
import type { MonitorEvent } from "./bindings/MonitorEvent";
import type { SourcesDto } from "./bindings/SourcesDto";
import type { FeedDto } from "./bindings/FeedDto";
import type { WatchDto } from "./bindings/WatchDto";
import type { VersionDetail } from "./bindings/VersionDetail";
import type { DiffDto } from "./bindings/DiffDto";
import type { RecaptureDto } from "./bindings/RecaptureDto";
import type { StoryDto } from "./bindings/StoryDto";
import type { StoryDiffDto } from "./bindings/StoryDiffDto";
import type { CaptureInfo } from "./bindings/CaptureInfo";
import type { CaptureEvent } from "./bindings/CaptureEvent";
import type { SyncStatusDto } from "./bindings/SyncStatusDto";
import type { SyncEvent } from "./bindings/SyncEvent";
import type { SyncReportDto } from "./bindings/SyncReportDto";
import type { SyncProgressDto } from "./bindings/SyncProgressDto";
import type { ConflictDto } from "./bindings/ConflictDto";
import type { DeskDto } from "./bindings/DeskDto";
import type { DeskListDto } from "./bindings/DeskListDto";
import type { HistoryEntryDto } from "./bindings/HistoryEntryDto";

export type * from "./bindings/ArchiveReport";
export type * from "./bindings/BriefingPreview";
export type * from "./bindings/CitationDto";
export type * from "./bindings/TrendView";
export type * from "./bindings/TrendSeriesDto";
export type * from "./bindings/TrendShareDto";
export type * from "./bindings/BriefingGroup";
export type * from "./bindings/BriefingItem";
export type * from "./bindings/ClipDetail";
export type * from "./bindings/ClipRow";
export type * from "./bindings/DigestDto";
export type * from "./bindings/DigestSummary";
export type * from "./bindings/Facet";
export type * from "./bindings/FacetSet";
export type * from "./bindings/IpcError";
export type * from "./bindings/ItemChoiceDto";
export type * from "./bindings/JobEvent";
export type * from "./bindings/SearchPage";
export type * from "./bindings/SuggestionDto";
export type * from "./bindings/TagChip";
export type * from "./bindings/Taxonomy";
export type * from "./bindings/TopicDto";
export type * from "./bindings/ActorDto";
export type * from "./bindings/HighlightDto";
export type * from "./bindings/RulePreviewDto";
export type * from "./bindings/SavedSearchDto";
export type * from "./bindings/Snapshot";
export type * from "./bindings/TagChangeDto";
export type * from "./bindings/AlertDto";
export type * from "./bindings/EntryDetail";
export type * from "./bindings/EntryDto";
export type * from "./bindings/FeedDto";
export type * from "./bindings/FolderDto";
export type * from "./bindings/InboxPage";
export type * from "./bindings/MonitorCounts";
export type * from "./bindings/MonitorEvent";
export type * from "./bindings/SourcesDto";
export type * from "./bindings/WatchDto";
export type * from "./bindings/VersionDto";
export type * from "./bindings/ImageDto";
export type * from "./bindings/VersionDetail";
export type * from "./bindings/DiffDto";
export type * from "./bindings/DiffParagraphDto";
export type * from "./bindings/SpanDto";
export type * from "./bindings/RecaptureDto";
export type * from "./bindings/ClipStoryDto";
export type * from "./bindings/StoryClipDto";
export type * from "./bindings/StoryDto";
export type * from "./bindings/StoryDiffDto";
export type * from "./bindings/DiffPiece";
export type * from "./bindings/CaptureInfo";
export type * from "./bindings/CaptureEvent";
export type * from "./bindings/SyncStatusDto";
export type * from "./bindings/SyncEvent";
export type * from "./bindings/SyncReportDto";
export type * from "./bindings/SyncProgressDto";
export type * from "./bindings/RefusedDto";
export type * from "./bindings/ConflictDto";
export type * from "./bindings/ConflictSideDto";
export type * from "./bindings/DeskDto";
export type * from "./bindings/DeskListDto";
export type * from "./bindings/ClipDeskDto";
export type * from "./bindings/HistoryEntryDto";

/** Which text a conflict keeps. */
export type Keep = "mine" | "theirs" | "both";

/** An error from the shell: branch on `code`, show `message`. */
export class AppError extends Error {
  code: string;
  constructor(e: IpcError) {
    super(e.message);
    this.code = e.code;
  }
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new AppError(isIpcError(e) ? e : { code: "app.ipc", message: String(e) });
  }
}

export const api = {
  search: (query: string, offset: number, limit: number, sort: string, facets: boolean, collapse: boolean) =>
    call<SearchPage>("search", { query, offset, limit, sort, facets, collapse }),
  story: (id: number) => call<StoryDto>("get_story", { id }),
  storyDiff: (clipId: number) => call<StoryDiffDto>("story_diff", { clipId }),
  splitStory: (clipId: number) => call<number>("split_story", { clipId }),
  mergeStories: (into: number, from: number) => call<number>("merge_stories", { into, from }),
  getClip: (id: number) => call<ClipDetail>("get_clip", { id }),
  /** One version of a clip's article. */
  clipVersion: (id: number, version: number) => call<VersionDetail>("clip_version", { id, version }),
  /** How two versions of a clip's article differ. */
  clipDiff: (id: number, from: number, to: number) => call<DiffDto>("clip_diff", { id, from, to }),
  /** Fetches the clip's page again: a new version if the article changed. */
  recaptureClip: (id: number) => call<RecaptureDto>("recapture_clip", { id }),
  /** Watches the clip's page for edits (every: "3h", "1d"…), or stops. Resolves to the interval in seconds, or null. */
  watchPage: (id: number, every: string | null, stop: boolean) => call<number | null>("watch_page", { id, every, stop }),
  /** Asks where to save, then writes the clip's evidence bundle. Resolves to the path, or null if cancelled. */
  saveEvidence: (id: number) => call<string | null>("save_evidence", { id }),
  /** Clips `urls` (to `desk`, a desk's name, when given; else on this laptop only). */
  clipUrls(urls: string[], tags: string[], desk: string | null, onEvent: (e: JobEvent) => void): Promise<number> {
    const events = new Channel<JobEvent>();
    events.onmessage = onEvent;
    return call<number>("clip_urls", { urls, tags, desk, events });
  },
  cancelJob: (job: number) => call<void>("cancel_job", { job }),
  suggestions: (id: number) => call<SuggestionDto[]>("suggestions", { id }),
  acceptSuggestion: (id: number, name: string, actorType: string | null) =>
    call<void>("accept_suggestion", { id, name, actorType }),
  dismissSuggestion: (name: string) => call<void>("dismiss_suggestion", { name }),
  tagClips: (ids: number[], add: string[], remove: string[]) => call<TagChangeDto>("tag_clips", { ids, add, remove }),
  setNote: (id: number, note: string) => call<void>("set_note", { id, note }),
  addHighlight: (id: number, quote: string, note: string | null) => call<number>("add_highlight", { id, quote, note }),
  removeHighlight: (highlight: number) => call<void>("remove_highlight", { highlight }),
  taxonomy: () => call<Taxonomy>("taxonomy"),
  addTopic: (path: string) => call<number>("add_topic", { path }),
  addActor: (name: string, actorType: string | null, aliases: string[]) =>
    call<number>("add_actor", { name, actorType, aliases }),
  editAliases: (actor: string, add: string[], remove: string[]) => call<void>("edit_aliases", { actor, add, remove }),
  renameTag: (tag: string, newName: string) => call<void>("rename_tag", { tag, newName }),
  moveTopic: (topic: string, newParent: string | null) => call<void>("move_topic", { topic, newParent }),
  mergeTags: (from: string, into: string) => call<void>("merge_tags", { from, into }),
  deleteTag: (tag: string) => call<void>("delete_tag", { tag }),
  previewRule: (topic: string, rule: string) => call<RulePreviewDto>("preview_rule", { topic, rule }),
  setRule: (topic: string, rule: string | null, apply: boolean) => call<RulePreviewDto>("set_rule", { topic, rule, apply }),
  retag(onEvent: (e: JobEvent) => void): Promise<void> {
    const events = new Channel<JobEvent>();
    events.onmessage = onEvent;
    return call<void>("retag", { events });
  },
  savedSearches: () => call<SavedSearchDto[]>("saved_searches"),
  saveSearch: (name: string, query: string) => call<void>("save_search", { name, query }),
  removeSavedSearch: (name: string) => call<void>("remove_saved_search", { name }),
  digests: () => call<DigestSummary[]>("digests"),
  loadDigest: (id: number) => call<DigestDto>("load_digest", { id }),
  saveDigest: (digest: DigestDto) => call<number>("save_digest", { digest }),
  deleteDigest: (id: number) => call<void>("delete_digest", { id }),
  previewBriefing: (digest: DigestDto, maxPages: number) => call<BriefingPreview>("preview_briefing", { digest, maxPages }),
  /** Asks where to save (native dialog), then writes the briefing there. Resolves to the path, or null if cancelled. */
  exportBriefing: (digest: DigestDto, format: "pdf" | "docx" | "eml" | "md" | "html") =>
    call<string | null>("export_briefing", { digest, format }),
  /** Clips cited in a style (apa, chicago) or a reference manager's format (bibtex, ris, csl-json). */
  cite: (clipIds: number[], format: CiteFormat) => call<CitationDto>("cite", { clipIds, format }),
  /** Clips per day or week for each query, within an optional period (YYYY-MM-DD). */
  trend: (series: string[], by: "day" | "week", on: "published" | "clipped", from: string | null, to: string | null) =>
    call<TrendView>("trend", { series, by, on, from, to }),
  /** Backs up the library to a file the user picks (null if cancelled). */
  backupLibrary: () => call<ArchiveReport | null>("backup_library"),
  /** Exports everything as JSON to a file the user picks (null if cancelled). */
  exportLibrary: () => call<ArchiveReport | null>("export_library"),
  /** Imports an export into this (empty) library (null if cancelled). */
  importLibrary: () => call<ArchiveReport | null>("import_library"),
  /** Tells the shell the first screen has painted (start-up timing). */
  uiReady: () => call<void>("ui_ready"),
  /** Opens a link in the system browser, never in the app window. */
  openExternal: (url: string) => call<void>("open_external", { url }),

  // Monitoring: sources, the inbox, watches, alerts.
  sources: () => call<SourcesDto>("sources"),
  /** Subscribes to a feed, site or article URL (discovery finds the feed). */
  subscribe: (url: string, folder: string | null) => call<FeedDto>("subscribe", { url, folder }),
  removeFeed: (id: number) => call<void>("remove_feed", { id }),
  moveFeed: (id: number, folder: string | null) => call<void>("move_feed", { id, folder }),
  /** Polls every source now; progress and the alerts raised arrive on `onEvent`. */
  pollNow(onEvent: (e: MonitorEvent) => void): Promise<void> {
    const events = new Channel<MonitorEvent>();
    events.onmessage = onEvent;
    return call<void>("poll_now", { events });
  },
  /** Registers the window for background polling's events (new alerts, counts); returns the counts now. */
  monitorEvents(onEvent: (e: MonitorEvent) => void): Promise<MonitorCounts> {
    const events = new Channel<MonitorEvent>();
    events.onmessage = onEvent;
    return call<MonitorCounts>("monitor_events", { events });
  },
  monitorCounts: () => call<MonitorCounts>("monitor_counts"),
  /** `entryState`: "new", "seen", "clipped", "dismissed" or "all". */
  inbox: (query: string, entryState: string, hideBacklog: boolean, offset: number, limit: number) =>
    call<InboxPage>("inbox_page", { query, entryState, hideBacklog, offset, limit }),
  entry: (id: number) => call<EntryDetail>("entry_detail", { id }),
  setEntriesState: (ids: number[], entryState: "new" | "seen" | "dismissed") =>
    call<MonitorCounts>("set_entries_state", { ids, entryState }),
  /** Clips entries' articles; progress on `onEvent` ("created" with the clip id, "failed", "finished"). */
  clipEntries(ids: number[], onEvent: (e: JobEvent) => void): Promise<void> {
    const events = new Channel<JobEvent>();
    events.onmessage = onEvent;
    return call<void>("clip_entries", { ids, events });
  },
  watches: () => call<WatchDto[]>("watches"),
  saveWatch: (watch: WatchDto) => call<number>("save_watch", { watch }),
  removeWatch: (name: string) => call<void>("remove_watch", { name }),
  /** What a query matches in the inbox now (the watch editor's live preview). */
  testWatch: (query: string, limit: number) => call<InboxPage>("test_watch", { query, limit }),
  alerts: (unseen: boolean) => call<AlertDto[]>("alerts", { unseen }),
  /** Marks alerts seen (all when `ids` is empty). */
  markAlertsSeen: (ids: number[]) => call<MonitorCounts>("mark_alerts_seen", { ids }),
  importOpml: () => call<SourcesDto | null>("import_opml"),
  exportOpml: () => call<string | null>("export_opml"),
  // The browser extension's endpoint.
  captureInfo: () => call<CaptureInfo>("capture_info"),
  /** Registers the window for the browser extension's captures (each one as it is stored). */
  captureEvents(onEvent: (e: CaptureEvent) => void): Promise<void> {
    const events = new Channel<CaptureEvent>();
    events.onmessage = onEvent;
    return call<void>("capture_events", { events });
  },
  captureRotate: () => call<CaptureInfo>("capture_rotate"),
  /** Registers the window for sync events (each sync's start and end); returns the status now. */
  syncEvents(onEvent: (e: SyncEvent) => void): Promise<SyncStatusDto> {
    const events = new Channel<SyncEvent>();
    events.onmessage = onEvent;
    return call<SyncStatusDto>("sync_events", { events });
  },
  syncStatus: () => call<SyncStatusDto>("sync_status"),
  /** Sends this library's changes to its desks and applies theirs. */
  syncNow: () => call<SyncReportDto>("sync_now"),
  /** Stops the running sync between two batches. */
  cancelSync: () => call<void>("cancel_sync"),
  conflicts: () => call<ConflictDto[]>("sync_conflicts"),
  /** Who did what to a shared clip, from its desk's log on the team database. */
  clipHistory: (id: number) => call<HistoryEntryDto[]>("clip_history", { id }),
  resolveConflict: (id: number, keep: Keep) => call<string | null>("resolve_conflict", { id, keep }),
  attachRemote: (url: string) => call<SyncStatusDto>("attach_remote", { url }),
  listDesks: () => call<DeskListDto>("list_desks"),
  createDesk: (name: string) => call<DeskDto>("create_desk", { name }),
  /** Where new clips go unless told otherwise (null: this laptop only). */
  setDefaultDesk: (desk: string | null) => call<SyncStatusDto>("set_default_desk", { desk }),
  addDeskMember: (desk: string, role: string, level: string) => call<void>("add_desk_member", { desk, role, level }),
};
