//! The story commands of the window: a story's clips (what a collapsed row expands to), what an
//! outlet changed in a copy (the reader's diff), and the analyst's split and merge. Each is a few
//! lines over `clipdesk::stories`.

use clipdesk::model::time_to_db;
use clipdesk::stories::{self, diff};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::{guarded, AppState, Res};

/// A clip's place in its story, for the reader.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ClipStoryDto {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub size: i64,
    #[ts(type = "\"original\" | \"copy\" | \"coverage\"")]
    pub relation: String,
    #[ts(type = "number | null")]
    pub copy_of: Option<i64>,
}

impl From<stories::ClipStory> for ClipStoryDto {
    fn from(s: stories::ClipStory) -> Self {
        ClipStoryDto { id: s.id, size: s.size, relation: relation(s.relation), copy_of: s.copy_of }
    }
}

fn relation(r: stories::Relation) -> String {
    match r {
        stories::Relation::Original => "original",
        stories::Relation::Copy => "copy",
        stories::Relation::Coverage => "coverage",
    }
    .to_owned()
}

/// One clip of a story.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoryClipDto {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub site_name: Option<String>,
    pub lang: Option<String>,
    pub published_at: Option<String>,
    /// The agency's name ("AP"), when the clip credits one.
    pub wire: Option<String>,
    #[ts(type = "\"original\" | \"copy\" | \"coverage\"")]
    pub relation: String,
    #[ts(type = "number | null")]
    pub copy_of: Option<i64>,
}

/// A story with its clips, earliest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoryDto {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    #[ts(type = "number")]
    pub size: i64,
    pub languages: Vec<String>,
    pub outlets: Vec<String>,
    /// "+4 outlets, 2 languages".
    pub note: String,
    pub first_published: Option<String>,
    pub clips: Vec<StoryClipDto>,
}

impl From<stories::Story> for StoryDto {
    fn from(s: stories::Story) -> Self {
        StoryDto {
            note: s.note(),
            id: s.id,
            title: s.title,
            size: s.size,
            languages: s.languages,
            outlets: s.outlets,
            first_published: s.first_published.as_ref().map(time_to_db),
            clips: s
                .clips
                .into_iter()
                .map(|c| StoryClipDto {
                    id: c.id,
                    title: c.title,
                    site_name: c.site_name,
                    lang: c.lang,
                    published_at: c.published_at.as_ref().map(time_to_db),
                    wire: c.wire.map(|w| wire_name(&w)),
                    relation: relation(c.relation),
                    copy_of: c.copy_of,
                })
                .collect(),
        }
    }
}

/// The agency's name for its code ("ap" → "AP"); an unknown code as stored.
pub fn wire_name(code: &str) -> String {
    stories::wire::short_name(code).unwrap_or(code).to_owned()
}

/// A run of words of a changed paragraph, or a paragraph.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiffPiece {
    #[ts(type = "\"same\" | \"added\" | \"removed\" | \"changed\"")]
    pub op: String,
    pub text: String,
    /// For a changed paragraph: its words.
    pub words: Vec<DiffPiece>,
}

fn op(o: diff::Op) -> String {
    match o {
        diff::Op::Same => "same",
        diff::Op::Added => "added",
        diff::Op::Removed => "removed",
        diff::Op::Changed => "changed",
    }
    .to_owned()
}

/// What an outlet changed in a copy, against the original.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoryDiffDto {
    #[ts(type = "number")]
    pub copy_id: i64,
    #[ts(type = "number")]
    pub original_id: i64,
    pub copy_outlet: Option<String>,
    pub original_outlet: Option<String>,
    pub wire: Option<String>,
    pub original_headline: Option<String>,
    pub copy_headline: Option<String>,
    pub subheading: Option<String>,
    pub blocks: Vec<DiffPiece>,
    #[ts(type = "number")]
    pub added_paragraphs: usize,
    #[ts(type = "number")]
    pub removed_paragraphs: usize,
    #[ts(type = "number")]
    pub changed_paragraphs: usize,
    #[ts(type = "number")]
    pub changed_words: usize,
    /// "The Times of Israel added a subheading and two paragraphs to the AP text."
    pub summary: String,
}

impl From<diff::Diff> for StoryDiffDto {
    fn from(d: diff::Diff) -> Self {
        let (original_headline, copy_headline) = match d.headline {
            Some(h) => (Some(h.original), Some(h.copy)),
            None => (None, None),
        };
        StoryDiffDto {
            copy_id: d.copy_id,
            original_id: d.original_id,
            copy_outlet: d.copy_outlet,
            original_outlet: d.original_outlet,
            wire: d.wire.map(|w| wire_name(&w)),
            original_headline,
            copy_headline,
            subheading: d.subheading,
            blocks: d
                .blocks
                .into_iter()
                .map(|b| DiffPiece {
                    op: op(b.op),
                    text: b.text,
                    words: b
                        .words
                        .into_iter()
                        .map(|w| DiffPiece { op: op(w.op), text: w.text, words: vec![] })
                        .collect(),
                })
                .collect(),
            added_paragraphs: d.added_paragraphs,
            removed_paragraphs: d.removed_paragraphs,
            changed_paragraphs: d.changed_paragraphs,
            changed_words: d.changed_words,
            summary: d.summary,
        }
    }
}

pub fn export_bindings(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    ClipStoryDto::export_all(cfg)?;
    StoryDto::export_all(cfg)?;
    StoryDiffDto::export_all(cfg)?;
    Ok(())
}

/// A story and its clips, earliest first.
#[tauri::command(async)]
pub fn get_story(state: State<'_, AppState>, id: i64) -> Res<StoryDto> {
    guarded(|| Ok(state.lib()?.story(id)?.into()))
}

/// What the copy's outlet changed, against the earliest clip of its text.
#[tauri::command(async)]
pub fn story_diff(state: State<'_, AppState>, clip_id: i64) -> Res<StoryDiffDto> {
    guarded(|| Ok(state.lib()?.story_diff(clip_id)?.into()))
}

/// Takes a clip out of its story (kept apart when the library is regrouped). Returns its new story.
#[tauri::command(async)]
pub fn split_story(state: State<'_, AppState>, clip_id: i64) -> Res<i64> {
    guarded(|| Ok(state.lib()?.split_clip(clip_id)?))
}

/// Joins story `from` to story `into` (kept together when regrouped). Returns the story.
#[tauri::command(async)]
pub fn merge_stories(state: State<'_, AppState>, into: i64, from: i64) -> Res<i64> {
    guarded(|| Ok(state.lib()?.merge_stories(into, from)?))
}
