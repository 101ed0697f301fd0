//! `clipdesk cite`: clips as CSL-JSON, RIS or BibTeX for reference managers, or formatted in
//! APA or Chicago style.

use std::path::PathBuf;

use chrono::Utc;
use clap::Args;
use clipdesk::cite::{self, CiteStyle, Format};
use clipdesk::search::{self, query};
use clipdesk::{Error, Library};
use serde_json::json;

use crate::output::Out;
use crate::Status;

#[derive(Args)]
pub struct CiteArgs {
    /// The clips to cite
    #[arg(value_name = "ID")]
    ids: Vec<i64>,
    /// Also cite every clip this query finds (oldest clip first)
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// csl-json (Zotero, Mendeley, pandoc), ris, bibtex, or a reference formatted in apa or chicago
    #[arg(long, default_value = "csl-json", value_parser = ["csl-json", "ris", "bibtex", "apa", "chicago"])]
    format: String,
    /// Write to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(lib: &mut Library, args: CiteArgs, out: &Out) -> clipdesk::Result<Status> {
    let format = Format::parse(&args.format)?;
    let mut ids = args.ids.clone();
    if let Some(q) = &args.query {
        let node = search::parse(lib.conn(), q)?;
        let mut found: Vec<i64> = search::matching_ids(lib.conn(), &query::compile(&node, Utc::now()))?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        found.sort_unstable();
        ids.extend(found);
    }
    if ids.is_empty() {
        return Err(Error::input("input.no_clips", "give clip ids or --query"));
    }
    let refs = cite::references(lib.conn(), &ids)?;
    let citations = match format {
        Format::Apa => cite::formatted(&refs, CiteStyle::Apa)?,
        Format::Chicago => cite::formatted(&refs, CiteStyle::Chicago)?,
        _ => Vec::new(),
    };
    let text = match format {
        Format::CslJson => serde_json::to_string_pretty(&cite::csl_json(&refs)).unwrap_or_default() + "\n",
        Format::Ris => cite::ris(&refs),
        Format::Bibtex => cite::bibtex(&refs),
        Format::Apa | Format::Chicago => citations.iter().map(|c| format!("{}\n", c.text)).collect(),
    };
    if let Some(path) = &args.out {
        std::fs::write(path, &text).map_err(|source| Error::Write { path: path.clone(), source })?;
        out.done(
            json!({"written": path.display().to_string(), "format": args.format, "clips": refs.len()}),
            &format!("{} citations → {}", refs.len(), path.display()),
        );
    } else if out.json {
        out.json_line(&json!({
            "format": args.format,
            "text": text,
            "csl": cite::csl_json(&refs),
            "citations": citations,
        }));
    } else {
        out.line(text.trim_end());
    }
    Ok(Status::Ok)
}
