//! `clipdesk digest` (build a briefing and export it) and `clipdesk highlight`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use clipdesk::digest::{self, build, export, Digest, GroupBy, Membership, MultiGroup, OrderBy, PeriodOn};
use clipdesk::model::time_from_db;
use clipdesk::trends::{Bucket, TrendSpec};
use clipdesk::{Error, Library};
use serde_json::json;

use crate::output::Out;
use crate::Status;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DigestArgs {
    #[command(subcommand)]
    cmd: Option<DigestCmd>,
    #[command(flatten)]
    def: DefArgs,
    #[command(flatten)]
    outputs: Outputs,
}

/// What a briefing selects and how it looks.
#[derive(Args, Default)]
pub struct DefArgs {
    /// The selection, in the search language
    #[arg(long)]
    query: Option<String>,
    /// Or a saved search
    #[arg(long, conflicts_with = "query")]
    saved: Option<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    subtitle: Option<String>,
    /// Author or unit
    #[arg(long)]
    author: Option<String>,
    /// Classification line for every page ("Internal — for the recipient's information only")
    #[arg(long)]
    classification: Option<String>,
    /// First day of the period (YYYY-MM-DD)
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period (YYYY-MM-DD)
    #[arg(long)]
    to: Option<String>,
    /// Which date the period applies to: when articles were published (default) or clipped
    #[arg(long, value_parser = ["published", "clipped"])]
    period_on: Option<String>,
    #[arg(long, value_parser = ["topic", "actor", "site", "day", "none"])]
    group_by: Option<String>,
    /// A clip with several groups appears under each, or its first only
    #[arg(long, value_parser = ["each", "first"])]
    multi: Option<String>,
    #[arg(long, value_parser = ["newest", "oldest", "relevance", "manual"])]
    order: Option<String>,
    /// The analyst's executive summary (paragraphs separated by blank lines)
    #[arg(long)]
    summary: Option<String>,
    /// A trend section charting this query per day or week over the briefing's period (repeat
    /// for several series; replaces the section's series)
    #[arg(long, value_name = "QUERY")]
    trend: Vec<String>,
    /// The trend section's points: days or weeks
    #[arg(long, value_parser = ["day", "week"])]
    trend_by: Option<String>,
    /// No trend section
    #[arg(long, conflicts_with = "trend")]
    no_trend: bool,
    /// Show each story's lead image (kept with its clip) in the PDF and HTML: on or off
    #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
    lead_images: Option<String>,
}

#[derive(Args, Default)]
pub struct Outputs {
    /// Write the briefing as PDF
    #[arg(long, value_name = "FILE")]
    pdf: Option<PathBuf>,
    /// Write the briefing as Markdown
    #[arg(long, value_name = "FILE")]
    md: Option<PathBuf>,
    /// Write the briefing as self-contained HTML
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the briefing as a Word document (.docx)
    #[arg(long, value_name = "FILE")]
    docx: Option<PathBuf>,
    /// Write an e-mail draft (.eml: HTML and text bodies, the PDF attached) to open in a mail
    /// program; Clipdesk sends nothing
    #[arg(long, value_name = "FILE")]
    eml: Option<PathBuf>,
    /// The draft's sender (`desk@example.com` or `Desk <desk@example.com>`)
    #[arg(long, value_name = "ADDRESS", requires = "eml")]
    email_from: Option<String>,
    /// The draft's recipients
    #[arg(long, value_name = "ADDRESS", requires = "eml")]
    email_to: Vec<String>,
    /// The draft's subject (default: the briefing's title)
    #[arg(long, value_name = "TEXT", requires = "eml")]
    email_subject: Option<String>,
}

impl Outputs {
    fn any(&self) -> bool {
        self.pdf.is_some() || self.md.is_some() || self.html.is_some() || self.docx.is_some() || self.eml.is_some()
    }
}

#[derive(Subcommand)]
pub enum DigestCmd {
    /// Save a briefing definition (next week's briefing is `digest export ID`)
    New(DefArgs),
    /// Change a saved briefing: its definition and per-clip choices
    Edit {
        digest: String,
        #[command(flatten)]
        def: DefArgs,
        /// Add a clip the selection does not find
        #[arg(long, value_name = "CLIP")]
        add: Vec<i64>,
        /// Leave a clip out
        #[arg(long, value_name = "CLIP")]
        exclude: Vec<i64>,
        /// Hide a clip (kept in the definition, not printed)
        #[arg(long, value_name = "CLIP")]
        hide: Vec<i64>,
        /// Replace a clip's summary: CLIP=TEXT
        #[arg(long, value_name = "CLIP=TEXT")]
        item_summary: Vec<String>,
        /// A note on a clip for this briefing: CLIP=TEXT
        #[arg(long, value_name = "CLIP=TEXT")]
        item_note: Vec<String>,
        /// Manual position of a clip: CLIP=N (with --order manual)
        #[arg(long, value_name = "CLIP=N")]
        position: Vec<String>,
    },
    /// The briefing as it would print (--json for the data)
    Show {
        digest: String,
    },
    List,
    /// Export a saved briefing
    Export {
        digest: String,
        #[command(flatten)]
        outputs: Outputs,
    },
    Rm {
        digest: String,
    },
}

#[derive(Subcommand)]
pub enum HighlightCmd {
    /// Highlight a passage of a clip, given as its text
    Add {
        clip: i64,
        quote: String,
        #[arg(long)]
        note: Option<String>,
    },
    List {
        clip: i64,
    },
    Rm {
        id: i64,
    },
}

fn date(s: &Option<String>) -> clipdesk::Result<Option<NaiveDate>> {
    s.as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| Error::input("input.date", format!("expected a date like 2016-07-01, found {d:?}")))
        })
        .transpose()
}

fn apply(d: &mut Digest, a: &DefArgs) -> clipdesk::Result<()> {
    if let Some(q) = &a.query {
        d.query = Some(q.clone());
        d.saved_search = None;
    }
    if let Some(s) = &a.saved {
        d.saved_search = Some(s.clone());
        d.query = None;
    }
    if let Some(t) = &a.title {
        d.title = t.clone();
    }
    for (field, value) in
        [(&mut d.subtitle, &a.subtitle), (&mut d.author, &a.author), (&mut d.classification, &a.classification)]
    {
        if let Some(v) = value {
            *field = Some(v.clone()).filter(|v| !v.is_empty());
        }
    }
    if a.from.is_some() {
        d.period_start = date(&a.from)?;
    }
    if a.to.is_some() {
        d.period_end = date(&a.to)?;
    }
    if let Some(p) = &a.period_on {
        d.period_on = digest::parse_choice::<PeriodOn>("period basis", p, "published, clipped")?;
    }
    if let Some(g) = &a.group_by {
        d.group_by = digest::parse_choice::<GroupBy>("grouping", g, "topic, actor, site, day, none")?;
    }
    if let Some(m) = &a.multi {
        d.multi_group = digest::parse_choice::<MultiGroup>("multi-group setting", m, "each, first")?;
    }
    if let Some(o) = &a.order {
        d.order_by = digest::parse_choice::<OrderBy>("order", o, "newest, oldest, relevance, manual")?;
    }
    if let Some(s) = &a.summary {
        d.executive_summary = Some(s.clone()).filter(|s| !s.is_empty());
    }
    if a.no_trend {
        d.trends = None;
    }
    if !a.trend.is_empty() {
        d.trends.get_or_insert_with(TrendSpec::default).series = a.trend.iter().map(|q| q.trim().to_owned()).collect();
    }
    if let Some(by) = &a.trend_by {
        let by = digest::parse_choice::<Bucket>("trend interval", by, "day, week")?;
        match &mut d.trends {
            Some(t) => t.by = by,
            None => return Err(Error::input("input.trend", "--trend-by needs a trend section: give --trend QUERY")),
        }
    }
    if let Some(l) = &a.lead_images {
        d.lead_images = l == "on";
    }
    Ok(())
}

fn pair(s: &str) -> clipdesk::Result<(i64, String)> {
    let (clip, value) =
        s.split_once('=').ok_or_else(|| Error::input("input.digest", format!("expected CLIP=VALUE, found {s:?}")))?;
    let clip = clip.trim().parse().map_err(|_| Error::input("input.digest", format!("not a clip id: {clip:?}")))?;
    Ok((clip, value.to_owned()))
}

fn write_outputs(b: &build::Briefing, o: &Outputs, out: &Out) -> clipdesk::Result<Status> {
    let mut written = Vec::new();
    let write = |path: &PathBuf, bytes: &[u8]| -> clipdesk::Result<()> {
        std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.clone(), source })
    };
    // The PDF is typeset once, for its file and the e-mail's attachment.
    let pdf = if o.pdf.is_some() || o.eml.is_some() { Some(export::pdf::render(b)?) } else { None };
    if let (Some(p), Some(pdf)) = (&o.pdf, &pdf) {
        write(p, pdf)?;
        written.push(p.display().to_string());
    }
    if let Some(p) = &o.md {
        write(p, export::markdown(b).as_bytes())?;
        written.push(p.display().to_string());
    }
    if let Some(p) = &o.html {
        write(p, export::html(b).as_bytes())?;
        written.push(p.display().to_string());
    }
    if let Some(p) = &o.docx {
        write(p, &export::docx::render(b)?)?;
        written.push(p.display().to_string());
    }
    if let (Some(p), Some(pdf)) = (&o.eml, &pdf) {
        let envelope = export::email::Envelope {
            from: o.email_from.clone(),
            to: o.email_to.clone(),
            subject: o.email_subject.clone(),
            ..Default::default()
        };
        write(p, &export::email::eml(b, pdf, &envelope)?)?;
        written.push(p.display().to_string());
    }
    let items: usize = b.groups.iter().map(|g| g.items.len()).sum();
    out.done(
        json!({"written": written, "stories": b.story_count, "groups": b.groups.len(), "items": items}),
        &format!("{} stories in {} sections → {}", b.story_count, b.groups.len(), written.join(", ")),
    );
    Ok(Status::Ok)
}

pub fn run(lib: &mut Library, args: DigestArgs, out: &Out) -> clipdesk::Result<Status> {
    match args.cmd {
        None => {
            // One shot: build from the flags, export, keep nothing.
            let o = &args.outputs;
            if !o.any() {
                return Err(Error::input(
                    "input.digest",
                    "give --pdf, --docx, --eml, --md or --html (or a subcommand: new, edit, show, list, export)",
                ));
            }
            let mut d = Digest { title: "Briefing".into(), ..Default::default() };
            apply(&mut d, &args.def)?;
            if d.query.is_none() && d.saved_search.is_none() && d.period_start.is_none() && d.period_end.is_none() {
                return Err(Error::input("input.digest", "give --query, --saved or a period (--from/--to)"));
            }
            let b = build::build(lib.conn(), &d)?;
            write_outputs(&b, o, out)
        }
        Some(DigestCmd::New(def)) => {
            let mut d = Digest::default();
            apply(&mut d, &def)?;
            let tx = lib.write()?;
            let id = digest::save(&tx, &d)?;
            tx.commit()?;
            out.done(json!({"id": id, "title": d.title}), &format!("briefing {id}: {}", d.title));
            Ok(Status::Ok)
        }
        Some(DigestCmd::Edit { digest: which, def, add, exclude, hide, item_summary, item_note, position }) => {
            let tx = lib.write()?;
            let id = digest::find(&tx, &which)?;
            let mut d = digest::load(&tx, id)?;
            apply(&mut d, &def)?;
            for c in add {
                d.item_mut(c).membership = Membership::Added;
            }
            for c in exclude {
                d.item_mut(c).membership = Membership::Excluded;
            }
            for c in hide {
                d.item_mut(c).hidden = true;
            }
            for s in &item_summary {
                let (c, text) = pair(s)?;
                d.item_mut(c).summary = Some(text).filter(|t| !t.is_empty());
            }
            for s in &item_note {
                let (c, text) = pair(s)?;
                d.item_mut(c).note = Some(text).filter(|t| !t.is_empty());
            }
            for s in &position {
                let (c, n) = pair(s)?;
                d.item_mut(c).position =
                    Some(n.trim().parse().map_err(|_| Error::input("input.digest", format!("not a position: {n:?}")))?);
            }
            digest::save(&tx, &d)?;
            tx.commit()?;
            out.done(json!({"id": id}), &format!("briefing {id} saved"));
            Ok(Status::Ok)
        }
        Some(DigestCmd::Show { digest: which }) => {
            let id = digest::find(lib.conn(), &which)?;
            let b = build::build(lib.conn(), &digest::load(lib.conn(), id)?)?;
            if out.json {
                out.json_line(&b);
            } else {
                out.line(&export::markdown(&b));
            }
            Ok(Status::Ok)
        }
        Some(DigestCmd::List) => {
            let all = digest::list(lib.conn())?;
            if out.json {
                out.json_line(
                    &all.iter().map(|(id, t, u)| json!({"id": id, "title": t, "updated_at": u})).collect::<Vec<_>>(),
                );
            } else {
                for (id, title, updated) in all {
                    let day = time_from_db(&updated).map_or(updated.clone(), |t| t.format("%Y-%m-%d").to_string());
                    out.line(&format!("{id:>4}  {day}  {title}"));
                }
            }
            Ok(Status::Ok)
        }
        Some(DigestCmd::Export { digest: which, outputs }) => {
            if !outputs.any() {
                return Err(Error::input("input.digest", "give --pdf, --docx, --eml, --md or --html"));
            }
            let id = digest::find(lib.conn(), &which)?;
            let b = build::build(lib.conn(), &digest::load(lib.conn(), id)?)?;
            write_outputs(&b, &outputs, out)
        }
        Some(DigestCmd::Rm { digest: which }) => {
            let tx = lib.write()?;
            let id = digest::find(&tx, &which)?;
            digest::delete(&tx, id)?;
            tx.commit()?;
            out.done(json!({"deleted": id}), &format!("briefing {id} deleted"));
            Ok(Status::Ok)
        }
    }
}

pub fn highlight(lib: &mut Library, cmd: HighlightCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        HighlightCmd::Add { clip, quote, note } => {
            let id = lib.add_highlight(clip, &quote, None, note.as_deref())?;
            out.done(json!({"id": id}), &format!("highlight {id}"));
        }
        HighlightCmd::List { clip } => {
            let all = lib.highlights(clip)?;
            if out.json {
                out.json_line(&all);
            } else {
                for h in all {
                    out.line(&format!(
                        "{:>4}  “{}”{}",
                        h.id,
                        h.quote,
                        h.note.map(|n| format!(" — {n}")).unwrap_or_default()
                    ));
                }
            }
        }
        HighlightCmd::Rm { id } => {
            lib.remove_highlight(id)?;
            out.done(json!({"deleted": id}), &format!("highlight {id} deleted"));
        }
    }
    Ok(Status::Ok)
}
