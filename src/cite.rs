//! Citations of clips, in the forms reference managers read and the styles writers follow.
//!
//! [`references`] reads clips as [`Reference`]s (plain data: what a citation says about an
//! article). From them:
//!
//! - [`csl_json`]: CSL-JSON, the data Zotero, Mendeley and pandoc exchange. `type` is
//!   `article-newspaper` for an article of a news outlet (the clip has an outlet and a
//!   publication date) and `webpage` otherwise; `author` holds people as `{family, given}` and
//!   organisations (`AP`, `Reuters staff`) as `{literal}`; `container-title` is the outlet;
//!   `issued` the publication date as the outlet printed it; `accessed` the day Clipdesk fetched
//!   the page (its latest snapshot).
//! - [`ris`]: RIS (`TY  - NEWS` or `ELEC`), CRLF line ends.
//! - [`bibtex`]: BibTeX (`@article` or `@online`), LaTeX specials and braces escaped, keys unique
//!   within the export (`burns2016putin`, then `burns2016putina`…).
//! - [`formatted`]: the reference as APA 7 or Chicago (notes and bibliography, 18th edition)
//!   print it, as text and HTML, with the in-text citation or note. These are rendered by
//!   hayagriva (Typst's bibliography engine, already part of the PDF export) from the CSL-JSON
//!   above, with the official CSL styles it bundles: no hand-made formatting.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::{IndependentStyle, Locale, Style};
use hayagriva::{BibliographyDriver, BibliographyRequest, BufWriteFormat, CitationItem, CitationRequest};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::model::{local_date, time_from_db};

/// The forms [`export`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    CslJson,
    Ris,
    Bibtex,
    Apa,
    Chicago,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "csl-json" | "csljson" | "csl" => Format::CslJson,
            "ris" => Format::Ris,
            "bibtex" | "bib" => Format::Bibtex,
            "apa" => Format::Apa,
            "chicago" => Format::Chicago,
            other => {
                return Err(Error::input(
                    "input.format",
                    format!("unknown citation format {other:?}: expected csl-json, ris, bibtex, apa or chicago"),
                ))
            }
        })
    }
}

/// The kind of work a clip is, for citations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An article of a news outlet.
    NewspaperArticle,
    Webpage,
}

/// An author: a person by name parts, or an organisation by its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Name {
    Person {
        family: String,
        given: Option<String>,
        /// "van", "de la": kept with the family name.
        particle: Option<String>,
        suffix: Option<String>,
    },
    Organisation {
        literal: String,
    },
}

/// What a citation says about one clip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub clip_id: i64,
    /// Unique within one export: the CSL-JSON `id`, the BibTeX key, the RIS `ID`.
    pub key: String,
    pub kind: Kind,
    pub title: String,
    pub authors: Vec<Name>,
    /// The outlet (site name).
    pub outlet: Option<String>,
    /// The publication date as the outlet printed it.
    pub issued: Option<NaiveDate>,
    /// When Clipdesk fetched the page.
    pub accessed: Option<NaiveDate>,
    pub url: String,
    pub language: Option<String>,
}

/// A reference as a citation style prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Formatted {
    pub clip_id: i64,
    /// The reference list (bibliography) entry, as text and as HTML (italics as styled spans).
    pub text: String,
    pub html: String,
    /// The in-text citation ("(Burns, 2016)") or, in a notes style, the first note.
    pub citation: String,
}

/// The styles [`formatted`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiteStyle {
    /// APA 7th edition.
    Apa,
    /// Chicago Manual of Style 18th edition, notes and bibliography.
    Chicago,
}

/// Reads the clips to cite, in the order given (an id given twice is cited once).
pub fn references(conn: &Connection, ids: &[i64]) -> Result<Vec<Reference>> {
    let mut stmt = conn.prepare_cached(
        "SELECT title, authors, site_name, published_at, published_offset, canonical_url, lang,
                (SELECT max(fetched_at) FROM snapshot s WHERE s.clip_id = c.id)
         FROM clip c WHERE id = ?1",
    )?;
    let mut seen = HashSet::new();
    let mut keys = HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        let row = stmt
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<i32>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "clip", id: id.to_string() })?;
        let (title, authors, site, published, offset, url, lang, fetched) = row;
        let authors: Vec<String> = serde_json::from_str(&authors).unwrap_or_default();
        let outlet = site.map(|s| one_line(&s)).filter(|s| !s.is_empty());
        let issued = local_date(published.as_deref().and_then(time_from_db), offset);
        let mut r = Reference {
            clip_id: id,
            key: String::new(),
            kind: if outlet.is_some() && issued.is_some() { Kind::NewspaperArticle } else { Kind::Webpage },
            title: one_line(&title),
            authors: authors.iter().map(|a| one_line(a)).filter(|a| !a.is_empty()).map(|a| parse_name(&a)).collect(),
            outlet,
            issued,
            accessed: fetched.as_deref().and_then(time_from_db).map(|t| t.date_naive()),
            url: crate::digest::build::safe_link(&url).unwrap_or(url),
            language: lang.filter(|l| !l.trim().is_empty()),
        };
        r.key = unique_key(&r, &mut keys);
        out.push(r);
    }
    Ok(out)
}

/// Text on one line: white space collapsed, control characters dropped.
fn one_line(s: &str) -> String {
    crate::text::collapse_ws(&crate::text::strip_controls(s))
}

/// Words that make an author an organisation rather than a person.
const ORGANISATION_WORDS: &[&str] = &[
    "agency",
    "agencies",
    "associated",
    "bureau",
    "correspondent",
    "correspondents",
    "desk",
    "editorial",
    "editors",
    "network",
    "news",
    "newsroom",
    "press",
    "reporters",
    "service",
    "staff",
    "team",
    "times",
    "wire",
    "writer",
    "writers",
    "reuters",
    "afp",
    "ap",
    "tass",
    "ria",
    "interfax",
    "xinhua",
    "dpa",
    "efe",
    "ansa",
    "bbc",
    "cnn",
];

/// Lower-case words that begin a family name ("van Gogh", "de la Cruz").
const PARTICLES: &[&str] =
    &["van", "von", "de", "del", "della", "der", "den", "di", "da", "dos", "du", "la", "le", "ter", "al", "bin", "ibn"];

/// Reads an author as a citation needs it: "Robert Burns" and "Burns, Robert" are a person;
/// one word ("AP"), a name in capitals, a name with an agency's word ("Reuters staff"), or a
/// name in a script without spaces between names (Chinese, Japanese) is kept whole.
pub fn parse_name(s: &str) -> Name {
    let s = one_line(s);
    let organisation = || Name::Organisation { literal: s.clone() };
    let words: Vec<&str> = s.split(' ').collect();
    let lower: Vec<String> =
        words.iter().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()).collect();
    if (words.len() < 2 && !s.contains(','))
        || lower.iter().any(|w| ORGANISATION_WORDS.contains(&w.as_str()))
        || s.chars().any(crate::text::is_cjk)
        || (s.chars().any(char::is_alphabetic)
            && !s.chars().any(char::is_lowercase)
            && s.chars().any(char::is_uppercase))
        || words.len() > 5
    {
        return organisation();
    }
    // "Burns, Robert" (and "Burns, Robert, Jr.").
    if let Some((family, rest)) = s.split_once(',') {
        let (given, suffix) = match rest.split_once(',') {
            Some((g, suf)) => (g.trim(), Some(suf.trim().to_owned()).filter(|x| !x.is_empty())),
            None => (rest.trim(), None),
        };
        if family.trim().is_empty() || given.is_empty() {
            return organisation();
        }
        return person(family.trim(), Some(given.to_owned()), suffix);
    }
    let mut words: Vec<&str> = words;
    let mut suffix = None;
    if let Some(last) = words.last() {
        if matches!(last.trim_end_matches('.').to_lowercase().as_str(), "jr" | "sr" | "ii" | "iii" | "iv")
            && words.len() > 2
        {
            suffix = Some((*last).to_owned());
            words.pop();
        }
    }
    // The family name: the last word, with the particles before it.
    let mut start = words.len() - 1;
    while start > 1 && PARTICLES.contains(&words[start - 1]) {
        start -= 1;
    }
    let given = words.get(..start).map(|w| w.join(" ")).filter(|g| !g.is_empty());
    let family_words = words.get(start..).unwrap_or_default();
    let particle_len = family_words.iter().take_while(|w| PARTICLES.contains(w)).count().min(family_words.len() - 1);
    let particle = family_words.get(..particle_len).map(|p| p.join(" ")).filter(|p| !p.is_empty());
    let family = family_words.get(particle_len..).map(|f| f.join(" ")).unwrap_or_default();
    match person(&family, given, suffix) {
        Name::Person { family, given, suffix, .. } => Name::Person { family, given, particle, suffix },
        org => org,
    }
}

fn person(family: &str, given: Option<String>, suffix: Option<String>) -> Name {
    Name::Person { family: family.to_owned(), given, particle: None, suffix }
}

/// ASCII letters and digits of `s`, lower-cased, accents dropped ("Müller" → "muller").
fn ascii_fold(s: &str) -> String {
    s.nfkd().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// A key like `burns2016putin`, unique among `taken`.
fn unique_key(r: &Reference, taken: &mut HashSet<String>) -> String {
    let who = r
        .authors
        .first()
        .map(|a| match a {
            Name::Person { family, .. } => ascii_fold(family),
            Name::Organisation { literal } => ascii_fold(literal),
        })
        .filter(|w| !w.is_empty())
        .or_else(|| r.outlet.as_deref().map(ascii_fold).filter(|w| !w.is_empty()))
        .unwrap_or_else(|| "clip".to_owned());
    let who: String = who.chars().take(20).collect();
    let year = r.issued.map(|d| d.format("%Y").to_string()).unwrap_or_else(|| "nd".to_owned());
    let word = r
        .title
        .split(|c: char| !c.is_alphanumeric())
        .map(ascii_fold)
        .find(|w| w.len() >= 3 && !matches!(w.as_str(), "the" | "and" | "for" | "with" | "from"))
        .unwrap_or_else(|| r.clip_id.to_string());
    let word: String = word.chars().take(20).collect();
    let base = format!("{who}{year}{word}");
    let mut key = base.clone();
    let mut n = 0usize;
    while !taken.insert(key.clone()) {
        key = if n < 26 { format!("{base}{}", char::from(b'a' + n as u8)) } else { format!("{base}-{n}") };
        n += 1;
    }
    key
}

fn date_parts(d: NaiveDate) -> Value {
    use chrono::Datelike;
    json!({"date-parts": [[d.year(), d.month(), d.day()]]})
}

/// One reference as a CSL-JSON item.
pub fn csl_item(r: &Reference) -> Value {
    let mut item = serde_json::Map::new();
    item.insert("id".into(), json!(r.key));
    item.insert(
        "type".into(),
        json!(match r.kind {
            Kind::NewspaperArticle => "article-newspaper",
            Kind::Webpage => "webpage",
        }),
    );
    item.insert("title".into(), json!(r.title));
    if !r.authors.is_empty() {
        let authors: Vec<Value> = r
            .authors
            .iter()
            .map(|a| match a {
                Name::Person { family, given, particle, suffix } => {
                    let mut n = serde_json::Map::new();
                    n.insert("family".into(), json!(family));
                    if let Some(g) = given {
                        n.insert("given".into(), json!(g));
                    }
                    if let Some(p) = particle {
                        n.insert("non-dropping-particle".into(), json!(p));
                    }
                    if let Some(s) = suffix {
                        n.insert("suffix".into(), json!(s));
                    }
                    Value::Object(n)
                }
                Name::Organisation { literal } => json!({"literal": literal}),
            })
            .collect();
        item.insert("author".into(), Value::Array(authors));
    }
    if let Some(o) = &r.outlet {
        item.insert("container-title".into(), json!(o));
    }
    if let Some(d) = r.issued {
        item.insert("issued".into(), date_parts(d));
    }
    if let Some(d) = r.accessed {
        item.insert("accessed".into(), date_parts(d));
    }
    item.insert("URL".into(), json!(r.url));
    if let Some(l) = &r.language {
        item.insert("language".into(), json!(l));
    }
    Value::Object(item)
}

/// The references as a CSL-JSON array.
pub fn csl_json(refs: &[Reference]) -> Value {
    Value::Array(refs.iter().map(csl_item).collect())
}

fn ris_date(d: NaiveDate) -> String {
    d.format("%Y/%m/%d/").to_string()
}

/// The references as RIS records.
pub fn ris(refs: &[Reference]) -> String {
    let mut out = String::new();
    for r in refs {
        // One line per tag: a value's own line breaks would start a new (forged) tag.
        let mut tag = |tag: &str, value: &str| {
            out.push_str(tag);
            out.push_str("  - ");
            out.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }));
            out.push_str("\r\n");
        };
        tag(
            "TY",
            match r.kind {
                Kind::NewspaperArticle => "NEWS",
                Kind::Webpage => "ELEC",
            },
        );
        tag("ID", &r.key);
        tag("TI", &r.title);
        for a in &r.authors {
            tag("AU", &name_inverted(a));
        }
        if let Some(o) = &r.outlet {
            tag("T2", o);
        }
        if let Some(d) = r.issued {
            tag("PY", &d.format("%Y").to_string());
            tag("DA", &ris_date(d));
        }
        if let Some(d) = r.accessed {
            tag("Y2", &ris_date(d));
        }
        tag("UR", &r.url);
        if let Some(l) = &r.language {
            tag("LA", l);
        }
        out.push_str("ER  - \r\n\r\n");
    }
    out
}

/// "Burns, Robert", "van Gogh, Vincent", "Burns, Robert, Jr."; an organisation as it is.
fn name_inverted(n: &Name) -> String {
    match n {
        Name::Person { family, given, particle, suffix } => {
            let mut s = match particle {
                Some(p) => format!("{p} {family}"),
                None => family.clone(),
            };
            if let Some(g) = given {
                s.push_str(", ");
                s.push_str(g);
            }
            if let Some(x) = suffix {
                s.push_str(", ");
                s.push_str(x);
            }
            s
        }
        Name::Organisation { literal } => literal.clone(),
    }
}

/// Text for a BibTeX field: braces and LaTeX's special characters escaped.
pub fn tex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

/// A URL for BibTeX's verbatim `url` field: nothing escaped, so the characters that would
/// unbalance its braces are percent-encoded.
fn tex_url(s: &str) -> String {
    one_line(s).replace('\\', "%5C").replace('{', "%7B").replace('}', "%7D").replace(' ', "%20")
}

/// The biblatex language name of a language code, for `langid` (hyphenation).
fn langid(code: &str) -> Option<&'static str> {
    Some(match code {
        "en" => "english",
        "ru" => "russian",
        "uk" => "ukrainian",
        "ar" => "arabic",
        "he" => "hebrew",
        "fa" => "farsi",
        "tr" => "turkish",
        "fr" => "french",
        "de" => "german",
        "es" => "spanish",
        "it" => "italian",
        "pt" => "portuguese",
        "pl" => "polish",
        "nl" => "dutch",
        "ja" => "japanese",
        "zh" => "chinese",
        _ => return None,
    })
}

/// The references as BibTeX (biblatex fields where BibTeX has none: `date`, `urldate`, `langid`).
pub fn bibtex(refs: &[Reference]) -> String {
    let mut out = String::new();
    for r in refs {
        let (kind, container) = match r.kind {
            Kind::NewspaperArticle => ("article", "journal"),
            Kind::Webpage => ("online", "organization"),
        };
        out.push_str(&format!("@{kind}{{{},\n", r.key));
        let mut field = |name: &str, value: String| out.push_str(&format!("  {name} = {{{value}}},\n"));
        if !r.authors.is_empty() {
            let names: Vec<String> = r
                .authors
                .iter()
                .map(|a| match a {
                    // An organisation in its own braces: BibTeX must not split it into names.
                    Name::Organisation { literal } => format!("{{{}}}", tex_escape(literal)),
                    person => tex_escape(&name_inverted(person)),
                })
                .collect();
            field("author", names.join(" and "));
        }
        field("title", tex_escape(&r.title));
        if let Some(o) = &r.outlet {
            field(container, tex_escape(o));
        }
        if let Some(d) = r.issued {
            field("year", d.format("%Y").to_string());
            field("date", d.format("%Y-%m-%d").to_string());
        }
        field("url", tex_url(&r.url));
        if let Some(d) = r.accessed {
            field("urldate", d.format("%Y-%m-%d").to_string());
        }
        if let Some(l) = r.language.as_deref().and_then(langid) {
            field("langid", l.to_owned());
        }
        out.push_str("}\n\n");
    }
    out
}

fn csl_style(which: CiteStyle) -> Result<&'static IndependentStyle> {
    static APA: OnceLock<Option<IndependentStyle>> = OnceLock::new();
    static CHICAGO: OnceLock<Option<IndependentStyle>> = OnceLock::new();
    let (cell, archived) = match which {
        CiteStyle::Apa => (&APA, ArchivedStyle::AmericanPsychologicalAssociation),
        CiteStyle::Chicago => (&CHICAGO, ArchivedStyle::ChicagoNotes),
    };
    cell.get_or_init(|| match archived.get() {
        Style::Independent(s) => Some(s),
        Style::Dependent(_) => None,
    })
    .as_ref()
    .ok_or_else(|| Error::input("export.citation", "the citation style is not available"))
}

fn locales() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(hayagriva::archive::locales)
}

/// The references as a style prints them, each formatted on its own.
pub fn formatted(refs: &[Reference], which: CiteStyle) -> Result<Vec<Formatted>> {
    let style = csl_style(which)?;
    let locales = locales();
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let item: hayagriva::citationberg::json::Item = serde_json::from_value(csl_item(r))
            .map_err(|e| Error::input("export.citation", format!("clip {}: {e}", r.clip_id)))?;
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::from_items(vec![CitationItem::with_entry(&item)], style, locales));
        let rendered = driver.finish(BibliographyRequest::new(style, None, locales));
        let write = |children: &hayagriva::ElemChildren, format: BufWriteFormat| {
            let mut s = String::new();
            children.write_buf(&mut s, format).map(|()| s).map_err(|_| {
                Error::input("export.citation", format!("clip {}: the style could not format it", r.clip_id))
            })
        };
        let Some(entry) = rendered.bibliography.and_then(|b| b.items.into_iter().next()) else {
            return Err(Error::input("export.citation", format!("clip {}: the style gives no reference", r.clip_id)));
        };
        let citation = match rendered.citations.first() {
            Some(c) => write(&c.citation, BufWriteFormat::Plain)?,
            None => String::new(),
        };
        out.push(Formatted {
            clip_id: r.clip_id,
            text: write(&entry.content, BufWriteFormat::Plain)?,
            html: write(&entry.content, BufWriteFormat::Html)?,
            citation,
        });
    }
    Ok(out)
}

/// The clips `ids` cited in `format`: the text a file or the clipboard receives (for APA and
/// Chicago, one reference per line).
pub fn export(conn: &Connection, ids: &[i64], format: Format) -> Result<String> {
    let refs = references(conn, ids)?;
    Ok(match format {
        Format::CslJson => serde_json::to_string_pretty(&csl_json(&refs)).unwrap_or_default() + "\n",
        Format::Ris => ris(&refs),
        Format::Bibtex => bibtex(&refs),
        Format::Apa | Format::Chicago => {
            let style = if format == Format::Apa { CiteStyle::Apa } else { CiteStyle::Chicago };
            formatted(&refs, style)?.iter().map(|f| format!("{}\n", f.text)).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(family: &str, given: Option<&str>, particle: Option<&str>, suffix: Option<&str>) -> Name {
        Name::Person {
            family: family.into(),
            given: given.map(Into::into),
            particle: particle.map(Into::into),
            suffix: suffix.map(Into::into),
        }
    }

    fn org(s: &str) -> Name {
        Name::Organisation { literal: s.into() }
    }

    #[test]
    fn names_of_people_and_organisations() {
        for (input, expected) in [
            ("Robert Burns", p("Burns", Some("Robert"), None, None)),
            ("Burns, Robert", p("Burns", Some("Robert"), None, None)),
            ("Martin Luther King Jr.", p("King", Some("Martin Luther"), None, Some("Jr."))),
            ("Vincent van Gogh", p("Gogh", Some("Vincent"), Some("van"), None)),
            ("Владимир Путин", p("Путин", Some("Владимир"), None, None)),
            ("AP", org("AP")),
            ("Reuters", org("Reuters")),
            ("Times of Israel staff", org("Times of Israel staff")),
            ("The Associated Press", org("The Associated Press")),
            ("BBC NEWS", org("BBC NEWS")),
            ("习近平", org("习近平")),
            ("  Robert   Burns ", p("Burns", Some("Robert"), None, None)),
        ] {
            assert_eq!(parse_name(input), expected, "{input:?}");
        }
    }

    #[test]
    fn tex_specials_are_escaped() {
        assert_eq!(
            tex_escape("50% of {x} & $y_1 #2 ~ ^ \\"),
            "50\\% of \\{x\\} \\& \\$y\\_1 \\#2 \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"
        );
        assert_eq!(tex_url("https://e.com/a?q={x}%20y"), "https://e.com/a?q=%7Bx%7D%20y");
    }

    #[test]
    fn keys_are_unique() {
        let mut taken = HashSet::new();
        let r = Reference {
            clip_id: 7,
            key: String::new(),
            kind: Kind::NewspaperArticle,
            title: "Putin calls Obama".into(),
            authors: vec![p("Müller", Some("Anna"), None, None)],
            outlet: Some("AP".into()),
            issued: NaiveDate::from_ymd_opt(2016, 7, 6),
            accessed: None,
            url: "https://example.com/".into(),
            language: None,
        };
        let keys: Vec<String> = (0..3).map(|_| unique_key(&r, &mut taken)).collect();
        assert_eq!(keys, ["muller2016putin", "muller2016putina", "muller2016putinb"]);
        let russian = Reference {
            title: "Путин".into(),
            authors: vec![p("Путин", None, None, None)],
            outlet: None,
            issued: None,
            ..r
        };
        assert_eq!(unique_key(&russian, &mut taken), "clipnd7");
    }
}
