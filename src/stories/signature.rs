//! A clip's signature: what grouping compares. Its text's sketch ([`super::minhash`]) finds
//! copies; its weighted terms find coverage of the same event.
//!
//! Terms are counted in the title (twice: a headline says what the story is) and the lead
//! ([`super::features::LEAD_TOKENS`] tokens), plus one term per tagged actor (the library's
//! actors are language-independent: "Путин" and "普京" tag one actor). Each is weighted by
//! `(1 + ln tf) · idf`, where the inverse document frequency is the library's own, per language
//! (a common word of Turkish clips is common among Turkish clips, not among all clips), smoothed
//! towards a prior taken from the frequency lists of `data/lexicon/` so that a new library already
//! knows that "the" and "die" say nothing. The [`TERMS`] heaviest are kept (the title's always),
//! quantised to a quarter: 6 bytes a term.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::features::{self, stable_hash, Kind, Token};
use super::minhash::{self, MinHash};

/// Terms kept per clip.
pub const TERMS: usize = 48;
/// Title terms always kept, at most; and actors.
const TITLE_TERMS: usize = 16;
const ACTOR_TERMS: usize = 12;
/// How many documents the prior weighs, against the library's own counts.
const PRIOR_DOCS: f64 = 100.0;

/// Term flags.
pub mod flag {
    pub const TITLE: u8 = 1;
    /// A name, number or actor: the same in every language.
    pub const ENTITY: u8 = 2;
    pub const NUMBER: u8 = 4;
    /// A number that pins an event (a count or an amount, not a year).
    pub const SIGNIFICANT: u8 = 8;
    pub const ACTOR: u8 = 16;
}

/// One weighted term of a signature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub hash: u32,
    pub weight: f32,
    pub flags: u8,
}

/// What grouping knows of a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub clip_id: i64,
    /// Published, else clipped (Unix seconds).
    pub at: i64,
    pub lang: Option<String>,
    /// A live blog: it may join a story, but nothing joins a story through it.
    pub live: bool,
    pub minhash: MinHash,
    /// Sorted by hash.
    pub terms: Vec<Term>,
    pub norms: Norms,
}

/// Euclidean norms of the term vectors grouping compares.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Norms {
    pub all: f32,
    pub title: f32,
    pub entity: f32,
}

impl Norms {
    pub fn of(terms: &[Term]) -> Self {
        let mut n = Norms::default();
        for t in terms {
            let w2 = t.weight * t.weight;
            n.all += w2;
            if t.flags & flag::TITLE != 0 {
                n.title += w2;
            }
            if t.flags & flag::ENTITY != 0 {
                n.entity += w2;
            }
        }
        Norms { all: n.all.sqrt(), title: n.title.sqrt(), entity: n.entity.sqrt() }
    }
}

/// A term as counted in one clip, before weighting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counted {
    pub key: u64,
    pub tf: f32,
    pub flags: u8,
}

/// The counted terms of a clip: title tokens twice, lead tokens once, each actor once (three times
/// and as a title term when the headline names it). Sorted by key.
/// Where a clip names one of its actors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Title,
    Lead,
    /// Only past the lead, or nowhere (tagged by hand).
    Body,
}

/// An actor named only past the lead weighs this much (one named in the lead weighs 1): a report
/// on Japan–Russia trade that recalls, in its third paragraph, Putin's call to Obama is not a
/// report of that call.
const BODY_ACTOR: f32 = 0.2;

pub fn count_terms(title: &str, text: &str, actors: &[(i64, Placed)]) -> Vec<Counted> {
    let mut counts: HashMap<u64, Counted> = HashMap::new();
    let mut add = |t: &Token, tf: f32, extra: u8| {
        let mut flags = extra;
        if t.entity {
            flags |= flag::ENTITY;
        }
        if t.kind == Kind::Number {
            flags |= flag::NUMBER;
            if t.significant {
                flags |= flag::SIGNIFICANT;
            }
        }
        let e = counts.entry(t.key).or_insert(Counted { key: t.key, tf: 0.0, flags: 0 });
        e.tf += tf;
        e.flags |= flags;
    };
    for t in features::tokens(title, usize::MAX, false) {
        add(&t, 2.0, flag::TITLE);
    }
    for t in features::tokens(text, features::LEAD_TOKENS, true) {
        add(&t, 1.0, 0);
    }
    for &(a, placed) in actors {
        let t = Token { key: features::actor_key(a), kind: Kind::Actor, entity: true, significant: false };
        match placed {
            Placed::Title => add(&t, 3.0, flag::ACTOR | flag::TITLE),
            Placed::Lead => add(&t, 1.0, flag::ACTOR),
            Placed::Body => add(&t, BODY_ACTOR, flag::ACTOR),
        }
    }
    let mut out: Vec<Counted> = counts.into_values().collect();
    out.sort_by_key(|c| c.key);
    out
}

/// The key under which the library counts a term's documents in one language (48 bits: a 7-byte
/// integer in SQLite).
pub fn df_key(lang: Option<&str>, key: u64) -> i64 {
    ((stable_hash(b'l', lang.unwrap_or("")) ^ key) & 0xffff_ffff_ffff) as i64
}

/// The key under which the library counts a language's documents.
pub fn docs_key(lang: Option<&str>) -> i64 {
    df_key(lang, stable_hash(b'#', "documents"))
}

/// Prior document frequencies (share of documents) of common words' stems, from the frequency
/// lists: rank r gets min(1, 20 / r^0.8) — "the" every document, the 1000th word one in twelve.
static PRIOR: LazyLock<HashMap<u64, f32>> = LazyLock::new(|| {
    let mut prior: HashMap<u64, f32> = HashMap::new();
    for (word, rank) in crate::tags::lexicon::common_ranked() {
        let stem: String = crate::text::fold(word).chars().take(features::STEM_CHARS).collect();
        if stem.chars().count() < 2 {
            continue;
        }
        let p = (20.0 / (rank as f32).powf(0.8)).min(1.0);
        let e = prior.entry(stable_hash(b'w', &stem)).or_insert(0.0);
        *e = e.max(p);
    }
    prior
});

/// The inverse document frequency of a term seen in `df` of a language's `docs` documents.
pub fn idf(key: u64, df: f64, docs: f64) -> f64 {
    let p0 = f64::from(PRIOR.get(&key).copied().unwrap_or(0.0));
    ((docs + PRIOR_DOCS + 1.0) / (df + PRIOR_DOCS * p0 + 1.0)).ln().max(0.0)
}

/// Weights counted terms (`df` gives a term's document count in the clip's language, `docs` the
/// language's document count) and keeps the heaviest, quantised as stored.
pub fn weigh(counted: &[Counted], df: impl Fn(u64) -> f64, docs: f64) -> Vec<Term> {
    let mut weighted: Vec<(u64, f32, u8)> = counted
        .iter()
        .map(|c| {
            let w = (1.0 + f64::from(c.tf).ln()) * idf(c.key, df(c.key), docs);
            (c.key, quantise(w as f32), c.flags)
        })
        .filter(|(_, w, _)| *w > 0.0)
        .collect();
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut kept: Vec<(u64, f32, u8)> =
        weighted.iter().filter(|t| t.2 & flag::TITLE != 0).take(TITLE_TERMS).copied().collect();
    for t in weighted.iter().filter(|t| t.2 & flag::ACTOR != 0).take(ACTOR_TERMS) {
        if !kept.iter().any(|k| k.0 == t.0) {
            kept.push(*t);
        }
    }
    for t in &weighted {
        if kept.len() >= TERMS {
            break;
        }
        if !kept.iter().any(|k| k.0 == t.0) {
            kept.push(*t);
        }
    }
    let mut terms: Vec<Term> =
        kept.into_iter().map(|(key, weight, flags)| Term { hash: key as u32, weight, flags }).collect();
    terms.sort_by_key(|t| t.hash);
    terms.dedup_by_key(|t| t.hash);
    terms
}

/// Weights as stored: quarters, 0 to 63.75.
fn quantise(w: f32) -> f32 {
    (w * 4.0).round().clamp(0.0, 255.0) / 4.0
}

/// The terms as stored: per term its hash (u32 LE), its weight in quarters (u8), its flags.
pub fn encode_terms(terms: &[Term]) -> Vec<u8> {
    let mut out = Vec::with_capacity(terms.len() * 6);
    for t in terms {
        out.extend_from_slice(&t.hash.to_le_bytes());
        out.push((t.weight * 4.0).round().clamp(0.0, 255.0) as u8);
        out.push(t.flags);
    }
    out
}

/// Reads stored terms (a truncated blob yields the whole terms it holds).
pub fn decode_terms(bytes: &[u8]) -> Vec<Term> {
    let mut terms: Vec<Term> = bytes
        .chunks_exact(6)
        .map(|c| Term {
            hash: u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            weight: f32::from(c[4]) / 4.0,
            flags: c[5],
        })
        .collect();
    terms.sort_by_key(|t| t.hash);
    terms.dedup_by_key(|t| t.hash);
    terms
}

/// Whether a headline is a live blog's ("Live: …", "… – live updates", "en direct").
pub fn is_live(title: &str) -> bool {
    let t = crate::text::fold(title);
    t.starts_with("live ")
        || t.starts_with("live:")
        || [
            "live:",
            " live updates",
            "live blog",
            "liveblog",
            "live coverage",
            " - live",
            " – live",
            " — live",
            "| live",
            "as it happened",
            "minute by minute",
            "liveticker",
            "live-ticker",
            "en direct",
            "en vivo",
            "in diretta",
            "ao vivo",
            "na zywo",
            "canli yayin",
            "онлайн-трансляция",
            "онлайн трансляция",
            "直播",
            "实时更新",
        ]
        .iter()
        .any(|p| t.contains(p))
}

/// The whole signature of a clip, weighted with the given frequencies.
#[allow(clippy::too_many_arguments)]
pub fn build(
    clip_id: i64,
    at: i64,
    lang: Option<&str>,
    title: &str,
    text: &str,
    counted: &[Counted],
    df: impl Fn(u64) -> f64,
    docs: f64,
) -> Signature {
    let terms = weigh(counted, df, docs);
    Signature {
        clip_id,
        at,
        lang: lang.map(str::to_owned),
        live: is_live(title),
        minhash: minhash::minhash(text),
        norms: Norms::of(&terms),
        terms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_weigh_little_and_names_much() {
        let counted = count_terms("Putin calls Obama", "The Kremlin says the president called.", &[(7, Placed::Title)]);
        let terms = weigh(&counted, |_| 1.0, 3.0);
        let weight = |stem: &str| {
            let h = stable_hash(b'w', stem) as u32;
            terms.iter().find(|t| t.hash == h).map_or(0.0, |t| t.weight)
        };
        assert!(weight("the") < 0.5, "{}", weight("the"));
        assert!(weight("putin") > 3.0, "{}", weight("putin"));
        assert!(weight("kremli") > weight("says"));
        assert!(terms.iter().any(|t| t.flags & flag::ACTOR != 0));
        assert_eq!(decode_terms(&encode_terms(&terms)), terms);
    }

    #[test]
    fn live_blogs_are_recognised() {
        for (title, live) in [
            ("Live: Russia-Ukraine war latest", true),
            ("Coronavirus outbreak – live updates", true),
            ("Guerre en Ukraine, en direct", true),
            ("Putin calls Obama to discuss Syria", false),
            ("Where the Kremlin's elite live", false),
            ("Delivery drivers strike", false),
        ] {
            assert_eq!(is_live(title), live, "{title}");
        }
    }
}
