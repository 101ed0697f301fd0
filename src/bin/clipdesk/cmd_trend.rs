//! `clipdesk trend`: clips per day or week for a few queries, as numbers or as a chart.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use clipdesk::digest::{self, PeriodOn};
use clipdesk::trends::{self, Bucket, TrendSpec};
use clipdesk::{Error, Library};
use serde_json::json;

use crate::output::Out;
use crate::Status;

#[derive(Args)]
pub struct TrendArgs {
    /// One series per query (`"topic:Syria" "lang:ru Putin"`)
    #[arg(value_name = "QUERY")]
    queries: Vec<String>,
    /// A series for a topic (with its subtopics)
    #[arg(long, value_name = "TOPIC")]
    topic: Vec<String>,
    /// A series for an actor (any of its names)
    #[arg(long, value_name = "ACTOR")]
    actor: Vec<String>,
    /// A series for an outlet (its site name)
    #[arg(long, value_name = "OUTLET")]
    outlet: Vec<String>,
    /// Points per day or per week (Monday to Sunday)
    #[arg(long, default_value = "week", value_parser = ["day", "week"])]
    by: String,
    /// First day (YYYY-MM-DD)
    #[arg(long)]
    from: Option<String>,
    /// Last day (YYYY-MM-DD)
    #[arg(long)]
    to: Option<String>,
    /// Which date places a clip: when it was published (default) or clipped
    #[arg(long, default_value = "published", value_parser = ["published", "clipped"])]
    on: String,
    /// Write the chart as SVG
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write the chart as PNG (144 dpi)
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
}

fn date(s: &Option<String>) -> clipdesk::Result<Option<NaiveDate>> {
    s.as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| Error::input("input.date", format!("expected a date like 2016-07-01, found {d:?}")))
        })
        .transpose()
}

pub fn run(lib: &mut Library, args: TrendArgs, out: &Out) -> clipdesk::Result<Status> {
    let mut series: Vec<String> = args.queries.iter().map(|q| q.trim().to_owned()).collect();
    series.extend(args.topic.iter().map(|t| TrendSpec::topic(t)));
    series.extend(args.actor.iter().map(|a| TrendSpec::actor(a)));
    series.extend(args.outlet.iter().map(|o| TrendSpec::outlet(o)));
    let spec = TrendSpec {
        series,
        by: digest::parse_choice::<Bucket>("interval", &args.by, "day, week")?,
        on: digest::parse_choice::<PeriodOn>("date basis", &args.on, "published, clipped")?,
        from: date(&args.from)?,
        to: date(&args.to)?,
    };
    let t = trends::compute(lib.conn(), &spec)?;
    let write = |path: &PathBuf, bytes: &[u8]| -> clipdesk::Result<()> {
        std::fs::write(path, bytes).map_err(|source| Error::Write { path: path.clone(), source })
    };
    let mut written = Vec::new();
    if let Some(p) = &args.svg {
        write(p, trends::svg(&t)?.as_bytes())?;
        written.push(p.display().to_string());
    }
    if let Some(p) = &args.png {
        write(p, &trends::png(&t, 2.0)?.0)?;
        written.push(p.display().to_string());
    }
    if out.json {
        let mut value = serde_json::to_value(&t).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("written".into(), json!(written));
        }
        out.json_line(&value);
        return Ok(Status::Ok);
    }
    out.line(&trends::describe(&t));
    // A table: one row per day or week, one column per series.
    let width = 8;
    let mut header = format!("{:<10}", if t.by == Bucket::Day { "day" } else { "week of" });
    for (i, _) in t.series.iter().enumerate() {
        header.push_str(&format!(" {:>width$}", format!("#{}", i + 1)));
    }
    out.line(&header);
    let points = t.series.first().map_or(0, |s| s.points.len());
    for i in 0..points {
        let mut line = format!("{:<10}", t.series[0].points[i].date);
        for s in &t.series {
            line.push_str(&format!(" {:>width$}", s.points[i].count));
        }
        out.line(&line);
    }
    for (i, s) in t.series.iter().enumerate() {
        let undated = if s.undated > 0 { format!(" (+{} undated)", s.undated) } else { String::new() };
        out.line(&format!("#{}  {}: {} clips{undated}", i + 1, s.label, s.total));
    }
    for path in written {
        out.line(&format!("→ {path}"));
    }
    Ok(Status::Ok)
}
