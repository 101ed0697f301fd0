//! `clipdesk search` and `clipdesk saved`.

use clap::Subcommand;
use clipdesk::model::time_from_db;
use clipdesk::search::{self, saved, Options, Sort};
use clipdesk::Library;
use serde_json::json;

use crate::output::{truncate, Out};
use crate::Status;

#[derive(Subcommand)]
pub enum SavedCmd {
    /// Save (or replace) a named query
    Add {
        name: String,
        query: String,
    },
    List,
    /// Run a saved query
    Run {
        name: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    Rm {
        name: String,
    },
}

pub fn search(
    lib: &mut Library,
    q: &str,
    limit: i64,
    offset: i64,
    sort: &str,
    collapse: bool,
    out: &Out,
) -> clipdesk::Result<Status> {
    let opts = Options { limit, offset, sort: Sort::parse(sort)?, collapse, ..Options::default() };
    let result = lib.search(q, opts)?;
    if out.json {
        out.json_line(&result);
        return Ok(Status::Ok);
    }
    for hit in &result.results {
        let date = hit
            .published_at
            .as_deref()
            .and_then(time_from_db)
            .map_or(" ".repeat(10), |t| t.format("%Y-%m-%d").to_string());
        out.line(&format!(
            "{:>6}  {date}  {:<22}  {}",
            hit.id,
            truncate(hit.site_name.as_deref().unwrap_or(""), 22),
            hit.title
        ));
        out.line(&format!("        {}", terminal_snippet(&hit.snippet)));
        if collapse && hit.story_size > 1 {
            let note = clipdesk::stories::coverage_note(hit.outlets.len(), hit.languages.len());
            out.line(&format!(
                "        story #{} · {} clips, {} matching{}",
                hit.story_id.unwrap_or_default(),
                hit.story_size,
                hit.matched,
                if note.is_empty() { String::new() } else { format!(" · {note}") }
            ));
        }
    }
    let facet = |name: &str, counts: &[search::FacetCount]| {
        if !counts.is_empty() {
            let items: Vec<String> = counts.iter().take(8).map(|c| format!("{} ({})", c.name, c.count)).collect();
            out.line(&format!("{name}: {}", items.join(", ")));
        }
    };
    out.line(&format!("\n{} of {} {}", result.results.len(), result.total, if collapse { "stories" } else { "clips" }));
    facet("topics", &result.facets.topic);
    facet("actors", &result.facets.actor);
    facet("sites", &result.facets.site);
    facet("languages", &result.facets.lang);
    facet("months", &result.facets.month);
    Ok(Status::Ok)
}

/// The snippet for a terminal: marks in bold (when colour is wanted), entities decoded.
fn terminal_snippet(s: &str) -> String {
    let (on, off) = if std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("«", "»")
    };
    s.replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub fn saved(lib: &mut Library, cmd: SavedCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        SavedCmd::Add { name, query } => {
            let tx = lib.write()?;
            let id = saved::save(&tx, &name, &query)?;
            tx.commit()?;
            out.done(json!({"id": id, "name": name, "query": query}), &format!("saved {name}"));
        }
        SavedCmd::List => {
            let all = saved::list(lib.conn())?;
            if out.json {
                out.json_line(&all);
            } else {
                for s in all {
                    out.line(&format!("{}: {}", s.name, s.query));
                }
            }
        }
        SavedCmd::Run { name, limit } => {
            let s = saved::get(lib.conn(), &name)?;
            return search(lib, &s.query, limit, 0, "relevance", false, out);
        }
        SavedCmd::Rm { name } => {
            let tx = lib.write()?;
            saved::remove(&tx, &name)?;
            tx.commit()?;
            out.done(json!({"deleted": name}), &format!("deleted {name}"));
        }
    }
    Ok(Status::Ok)
}
