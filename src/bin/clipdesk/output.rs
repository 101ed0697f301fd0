//! Printing results: JSON for scripts, aligned text for people.

use std::io::Write;

use clipdesk::model::{Clip, ClipSummary};
use clipdesk::Error;
use serde::Serialize;

pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn new(json: bool) -> Self {
        Out { json }
    }

    /// One JSON value on its own line.
    pub fn json_line<T: Serialize>(&self, value: &T) {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = serde_json::to_writer(&mut stdout, value).map(|()| writeln!(stdout));
        let _ = stdout.flush();
    }

    /// Reports a finished command: the JSON value with --json, the sentence otherwise.
    pub fn done(&self, value: serde_json::Value, text: &str) {
        if self.json {
            self.json_line(&value);
        } else {
            self.line(text);
        }
    }

    pub fn line(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
    }

    pub fn error(&self, e: &Error) {
        eprintln!("error[{}]: {}", e.code(), e);
    }

    pub fn show_clip(&self, clip: &Clip) {
        if self.json {
            self.json_line(clip);
            return;
        }
        let mut s = String::new();
        s.push_str(&format!("{}\n", clip.title));
        let mut meta = Vec::new();
        if let Some(site) = &clip.site_name {
            meta.push(site.clone());
        }
        if let Some(d) = clipdesk::model::local_date(clip.published_at, clip.published_offset) {
            meta.push(d.format("%Y-%m-%d").to_string());
        }
        if !clip.authors.is_empty() {
            meta.push(clip.authors.join(", "));
        }
        if let Some(l) = &clip.lang {
            meta.push(l.clone());
        }
        meta.push(format!("{} words", clip.word_count));
        s.push_str(&format!("{}\n{}\n", meta.join(" · "), clip.canonical_url));
        if !clip.tags.is_empty() {
            let tags: Vec<String> =
                clip.tags.iter().map(|t| format!("{}:{} ({})", t.kind.as_str(), t.name, t.origin.as_str())).collect();
            s.push_str(&format!("tags: {}\n", tags.join(", ")));
        }
        if let Some(w) = &clip.wire {
            s.push_str(&format!("wire: {}\n", clipdesk::stories::wire::name(w).unwrap_or(w)));
        }
        if let Some(st) = clip.story.as_ref().filter(|st| st.size > 1) {
            let relation = match (st.relation, st.copy_of) {
                (clipdesk::stories::Relation::Original, _) => "its original".to_owned(),
                (clipdesk::stories::Relation::Copy, Some(of)) => format!("a copy of clip {of}"),
                (clipdesk::stories::Relation::Copy, None) => "a copy".to_owned(),
                (clipdesk::stories::Relation::Coverage, _) => "coverage".to_owned(),
            };
            s.push_str(&format!("story: #{} ({} clips; this one is {relation})\n", st.id, st.size));
        }
        if let Some(snap) = &clip.snapshot {
            s.push_str(&format!(
                "snapshot: {} · HTTP {} · {} bytes · sha256 {}\n",
                snap.fetched_at.format("%Y-%m-%d %H:%M:%S UTC"),
                snap.http_status.map_or("-".into(), |c| c.to_string()),
                snap.bytes,
                snap.sha256.get(..16).unwrap_or(&snap.sha256)
            ));
        }
        if clip.versions > 1 {
            s.push_str(&format!("versions: {} (clipdesk versions {})\n", clip.versions, clip.id));
        }
        if !clip.images.is_empty() || !clip.image_errors.is_empty() {
            s.push_str(&format!("images: {} kept", clip.images.len()));
            if !clip.image_errors.is_empty() {
                s.push_str(&format!(", {} not kept", clip.image_errors.len()));
            }
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&clip.text);
        self.line(&s);
    }

    pub fn list(&self, clips: &[ClipSummary], total: i64) {
        if self.json {
            #[derive(Serialize)]
            struct List<'a> {
                total: i64,
                clips: &'a [ClipSummary],
            }
            self.json_line(&List { total, clips });
            return;
        }
        for c in clips {
            let date = clipdesk::model::local_date(c.published_at, c.published_offset)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "          ".into());
            self.line(&format!(
                "{:>6}  {}  {:<24}  {}",
                c.id,
                date,
                truncate(c.site_name.as_deref().unwrap_or(""), 24),
                c.title
            ));
        }
        self.line(&format!("{} of {total} clips", clips.len()));
    }
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
