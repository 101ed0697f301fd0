//! `clipdesk stories` and `clipdesk story`.

use clap::{Args, Subcommand};
use clipdesk::stories::{self, Relation, Story};
use clipdesk::Library;
use serde_json::json;

use crate::output::{truncate, Out};
use crate::Status;

#[derive(Args)]
pub struct StoriesArgs {
    /// Only stories with a clip this query matches
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// Only stories of at least this many clips (1 lists every clip's story)
    #[arg(long, default_value_t = 2)]
    min_size: i64,
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// Regroup the whole library from scratch first (the analyst's splits and merges are kept)
    #[arg(long)]
    rebuild: bool,
    /// With --rebuild: compute every clip's signature again from its text first
    #[arg(long, requires = "rebuild")]
    resign: bool,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, arg_required_else_help = true)]
pub struct StoryArgs {
    /// The story to show
    id: Option<i64>,
    #[command(subcommand)]
    cmd: Option<StoryCmd>,
}

#[derive(Subcommand)]
pub enum StoryCmd {
    /// Take a clip out of its story into one of its own (regrouping keeps it apart)
    Split {
        #[arg(value_name = "CLIP_ID")]
        clip: i64,
    },
    /// Merge the second story into the first (regrouping keeps them together)
    Merge { into: i64, from: i64 },
    /// What an outlet changed in a copy, against the first clip of its text
    Diff {
        #[arg(value_name = "CLIP_ID")]
        clip: i64,
    },
}

pub fn list(lib: &mut Library, args: StoriesArgs, out: &Out) -> clipdesk::Result<Status> {
    if args.rebuild {
        let r = lib.rebuild_stories(args.resign)?;
        out.done(
            serde_json::to_value(&r).unwrap_or_default(),
            &format!(
                "regrouped {} clips: {} stories, {} of several clips, {} copies; {} clips moved",
                r.clips, r.stories, r.multi, r.copies, r.changed
            ),
        );
        return Ok(Status::Ok);
    }
    let stories = lib.stories(args.query.as_deref(), args.min_size, args.limit)?;
    if out.json {
        out.json_line(&stories);
        return Ok(Status::Ok);
    }
    for s in &stories {
        print_story(s, out);
    }
    out.line(&format!("{} stories", stories.len()));
    Ok(Status::Ok)
}

fn print_story(s: &Story, out: &Out) {
    let date = s.first_published.map_or(" ".repeat(10), |t| t.format("%Y-%m-%d").to_string());
    let note = s.note();
    let size = format!("{} clip{}", s.size, if s.size == 1 { "" } else { "s" });
    out.line(&format!(
        "{:>6}  {date}  {}  ({size}{})",
        format!("#{}", s.id),
        s.title,
        if note.is_empty() { String::new() } else { format!(", {note}") }
    ));
    for c in &s.clips {
        let relation = match (c.relation, c.copy_of) {
            (Relation::Original, _) => "original".to_owned(),
            (Relation::Copy, Some(of)) => format!("copy of {of}"),
            (Relation::Copy, None) => "copy".to_owned(),
            (Relation::Coverage, _) => "coverage".to_owned(),
        };
        out.line(&format!(
            "        {:>6}  {:<12}  {:<24}  {:<3} {}",
            c.id,
            relation,
            truncate(c.site_name.as_deref().unwrap_or(""), 24),
            c.lang.as_deref().unwrap_or(""),
            c.title
        ));
    }
}

pub fn story(lib: &mut Library, args: StoryArgs, out: &Out) -> clipdesk::Result<Status> {
    match (args.id, args.cmd) {
        (_, Some(StoryCmd::Split { clip })) => {
            let from = lib.clip_story(clip)?.map(|s| s.id);
            let story = lib.split_clip(clip)?;
            out.done(
                json!({"clip": clip, "story": story, "from": from}),
                &format!("clip {clip} is now story #{story} on its own"),
            );
        }
        (_, Some(StoryCmd::Merge { into, from })) => {
            let story = lib.merge_stories(into, from)?;
            let size = lib.story(story)?.size;
            out.done(
                json!({"story": story, "merged": from, "size": size}),
                &format!("story #{from} merged into #{story} ({size} clips)"),
            );
        }
        (_, Some(StoryCmd::Diff { clip })) => {
            let diff = lib.story_diff(clip)?;
            if out.json {
                out.json_line(&diff);
            } else {
                out.line(diff.summary());
                if let Some(h) = &diff.headline {
                    out.line(&format!("- headline: {}\n+ headline: {}", h.original, h.copy));
                }
                if let Some(s) = &diff.subheading {
                    out.line(&format!("+ subheading: {s}"));
                }
                for b in &diff.blocks {
                    let mark = match b.op {
                        stories::diff::Op::Same => continue,
                        stories::diff::Op::Added => "+",
                        stories::diff::Op::Removed => "-",
                        stories::diff::Op::Changed => "~",
                    };
                    out.line(&format!("{mark} {}", b.text));
                }
            }
        }
        (Some(id), None) => {
            let s = lib.story(id)?;
            if out.json {
                out.json_line(&s);
            } else {
                print_story(&s, out);
            }
        }
        // clap requires an id or a subcommand.
        (None, None) => return Err(clipdesk::Error::NotFound { what: "story", id: String::new() }),
    }
    Ok(Status::Ok)
}
