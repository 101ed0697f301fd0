//! Suggesting actors the taxonomy does not know yet: the people and organisations an article
//! names.
//!
//! No crate does named-entity recognition for news offline, in Rust, without a model download;
//! this is a rule-based recogniser tuned on a gold set (`tests/fixtures/actors-gold.json`,
//! measured in `docs/benchmarks.md`). It works where capital letters mark names (Latin and
//! Cyrillic scripts):
//!
//! 1. Runs of capitalised words ("Dmitry Medvedev", "al-Nusra Front", "Bank of England") are
//!    collected sentence by sentence, never across punctuation.
//! 2. Leading titles and demonyms are peeled off and kept as evidence ("Russian President Vladimir
//!    Putin" → person "Vladimir Putin"); a word capitalised only because it starts a sentence is
//!    dropped.
//! 3. Each candidate gets a type from its evidence: organisation words ("Front", "Party",
//!    "Ministry"), acronyms, a preceding "the", a following "party" or "group" make an
//!    organisation; a title, "Mr.", a following "said" or a two-to-three-word name make a person.
//!    Places, events, holidays, days, months and site furniture are not actors.
//! 4. Surnames alone ("Putin") are counted with the full name they belong to; single words with no
//!    evidence are dropped (they are mostly places).
//! 5. Candidates are ranked by salience: mentions, in the title, in the lead.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::matcher::AliasMatcher;
use super::taxonomy::ActorType;
use crate::text::fold;

/// One suggested actor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub name: String,
    #[serde(rename = "type")]
    pub actor_type: ActorType,
    pub mentions: usize,
    /// Already in the taxonomy (then `name` is its name there).
    pub known: bool,
    #[serde(skip)]
    pub score: f64,
}

/// Titles before a person's name (lower-cased, single words; multi-word titles are sequences of
/// these).
const TITLES: &[&str] = &[
    "president",
    "vice",
    "prime",
    "minister",
    "secretary",
    "chancellor",
    "king",
    "queen",
    "prince",
    "princess",
    "sheikh",
    "emir",
    "sultan",
    "senator",
    "sen",
    "rep",
    "representative",
    "congressman",
    "congresswoman",
    "governor",
    "gov",
    "mayor",
    "general",
    "gen",
    "col",
    "colonel",
    "lt",
    "lieutenant",
    "major",
    "maj",
    "capt",
    "captain",
    "commander",
    "admiral",
    "sgt",
    "sergeant",
    "chief",
    "director",
    "ceo",
    "chairman",
    "chairwoman",
    "chair",
    "ambassador",
    "foreign",
    "defense",
    "defence",
    "interior",
    "finance",
    "justice",
    "attorney",
    "pope",
    "archbishop",
    "bishop",
    "cardinal",
    "rabbi",
    "imam",
    "ayatollah",
    "judge",
    "dr",
    "mr",
    "mrs",
    "ms",
    "sir",
    "lord",
    "lady",
    "dame",
    "speaker",
    "leader",
    "deputy",
    "assistant",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "founder",
    "coach",
    "manager",
    "striker",
    "quarterback",
    "coach",
    "head",
    "state",
    "former",
    "late",
    "acting",
    "first",
    "supreme",
    "crown",
    "activist",
    "premier",
    "officer",
    "commissioner",
    "executive",
    "rev",
    "father",
    "sister",
    "brother",
    "detective",
    "sheriff",
    "inspector",
    "professor",
    "prof",
    "economist",
    "analyst",
    "author",
    "actor",
    "actress",
    "singer",
    "rapper",
    "forward",
    "guard",
    "defender",
    "midfielder",
    "goalkeeper",
    "pitcher",
    "driver",
    "player",
    "champion",
    "minister-president",
    "administrator",
    "ombudsman",
    "prosecutor",
    "insider",
    "dl",
    "lb",
    "wr",
    "cb",
    "te",
    "reporter",
    "correspondent",
    "editor",
    "columnist",
    "writer",
    "anchor",
    "inspector-general",
    "undersecretary",
    "envoy",
    "diplomat",
    "congressman",
    "lawmaker",
    "legislator",
    "councilman",
    "councilwoman",
    "alderman",
    "magistrate",
    "press",
    "high",
    "senior",
    "junior",
    "principal",
    "general",
];

/// Words that make a capitalised run an organisation.
const ORG_WORDS: &[&str] = &[
    "front",
    "party",
    "guard",
    "guards",
    "army",
    "forces",
    "force",
    "brigade",
    "brigades",
    "movement",
    "group",
    "ministry",
    "department",
    "council",
    "committee",
    "commission",
    "union",
    "organization",
    "organisation",
    "agency",
    "bank",
    "fund",
    "corp",
    "corporation",
    "inc",
    "ltd",
    "llc",
    "plc",
    "co",
    "company",
    "companies",
    "group",
    "holdings",
    "university",
    "college",
    "institute",
    "school",
    "academy",
    "association",
    "federation",
    "league",
    "club",
    "court",
    "tribunal",
    "parliament",
    "congress",
    "senate",
    "assembly",
    "cabinet",
    "government",
    "administration",
    "office",
    "service",
    "services",
    "police",
    "authority",
    "board",
    "bureau",
    "foundation",
    "society",
    "network",
    "news",
    "times",
    "post",
    "journal",
    "press",
    "media",
    "television",
    "radio",
    "tv",
    "airlines",
    "airways",
    "motors",
    "technologies",
    "systems",
    "labs",
    "partners",
    "capital",
    "reserve",
    "fc",
    "united",
    "city",
    "nations",
    "church",
    "mission",
    "center",
    "centre",
    "hospital",
    "clinic",
    "team",
    "squad",
    "caucus",
    "coalition",
    "alliance",
    "directorate",
    "command",
    "navy",
    "marines",
    "militia",
    "rebels",
    "telegraph",
    "herald",
    "tribune",
    "gazette",
    "magazine",
    "railways",
    "railway",
    "house",
    "inc.",
    "corp.",
    "co.",
    "ltd.",
    "nv",
    "sa",
    "ag",
    "gmbh",
    "bv",
];

const MEDIA_WORDS: &[&str] = &[
    "times",
    "post",
    "journal",
    "press",
    "news",
    "tribune",
    "herald",
    "gazette",
    "telegraph",
    "reporter",
    "magazine",
    "wire",
    "tv",
    "radio",
    "guardian",
    "observer",
    "economist",
    "independent",
    "chronicle",
    "inquirer",
    "standard",
];

const DIRECTIONS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "upper",
    "lower",
    "greater",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

/// Organisations known by one word that is not otherwise a name.
const NAMED_ORGS: &[&str] = &[
    "kremlin",
    "pentagon",
    "taliban",
    "hamas",
    "hezbollah",
    "al-qaeda",
    "al-qaida",
    "isis",
    "isil",
    "daesh",
    "al-shabaab",
    "boko haram",
    "wagner",
    "mossad",
    "fsb",
    "kgb",
    "cia",
    "fbi",
    "nsa",
    "hezbollah",
    "houthis",
    "politburo",
    "knesset",
    "duma",
    "bundestag",
    "bundeswehr",
    "wikileaks",
    "interpol",
    "europol",
    "islamic state",
];

/// "WikiLeaks", "MarketAxess", "SpaceX": one word with an inner capital is a brand, unless the
/// capital follows a surname prefix ("McCain", "LeBron", "DeSantis", "MacArthur").
fn is_camel_case(name: &str) -> bool {
    if name.contains(' ') || name.contains('-') || name.contains('\'') || name.contains('’') {
        return false;
    }
    let chars: Vec<char> = name.chars().collect();
    let Some(inner) =
        chars.iter().enumerate().skip(1).position(|(i, c)| c.is_uppercase() && chars[i - 1].is_lowercase())
    else {
        return false;
    };
    let prefix: String = chars[..inner + 1].iter().collect();
    !matches!(prefix.as_str(), "Mc" | "Mac" | "Le" | "La" | "De" | "Di" | "Du" | "Da" | "Van" | "Von" | "Fitz")
}

/// Lower-case words that, following a capitalised run, mark it as an organisation
/// ("the United Russia party").
const ORG_FOLLOWERS: &[&str] = &[
    "party",
    "group",
    "movement",
    "militia",
    "organization",
    "organisation",
    "agency",
    "company",
    "firm",
    "bank",
    "ministry",
    "council",
    "network",
    "channel",
    "newspaper",
    "faction",
    "government",
    "alliance",
    "coalition",
    "union",
    "activists",
    "members",
    "fighters",
    "militants",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "officials",
    "chief",
    "leadership",
    "executives",
    "shares",
    "stock",
    "team",
    "club",
];

/// Verbs of speech: "X said" makes X an actor.
const SPEECH: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "stated",
    "announced",
    "tweeted",
    "wrote",
    "warned",
    "argued",
    "claimed",
    "insisted",
    "noted",
    "explained",
    "asked",
    "replied",
    "confirmed",
    "denied",
    "declined",
];

/// Capitalised words that are not names (sentence openers, pronouns, calendar, furniture).
const NOT_NAMES: &[&str] = &[
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "but",
    "and",
    "or",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "after",
    "before",
    "when",
    "while",
    "as",
    "if",
    "for",
    "from",
    "with",
    "by",
    "to",
    "of",
    "meanwhile",
    "however",
    "also",
    "under",
    "over",
    "according",
    "regarding",
    "elsewhere",
    "there",
    "here",
    "what",
    "who",
    "why",
    "how",
    "where",
    "which",
    "some",
    "many",
    "most",
    "more",
    "all",
    "both",
    "each",
    "every",
    "no",
    "not",
    "yes",
    "so",
    "then",
    "now",
    "today",
    "yesterday",
    "tomorrow",
    "tonight",
    "last",
    "next",
    "this",
    "one",
    "two",
    "three",
    "despite",
    "although",
    "though",
    "because",
    "since",
    "until",
    "during",
    "among",
    "about",
    "into",
    "than",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "christmas",
    "easter",
    "ramadan",
    "eid",
    "thanksgiving",
    "hanukkah",
    "passover",
    "fourth",
    "independence",
    "year",
    "day",
    "read",
    "more",
    "popular",
    "share",
    "comment",
    "comments",
    "subscribe",
    "sign",
    "login",
    "log",
    "click",
    "confirm",
    "mail",
    "email",
    "photo",
    "video",
    "image",
    "watch",
    "listen",
    "advertisement",
    "related",
    "updated",
    "published",
    "posted",
    "copyright",
    "please",
    "thank",
    "thanks",
    "join",
    "follow",
    "like",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "am",
    "pm",
    "et",
    "gmt",
    "utc",
    "est",
    "pst",
    "ap",
    "afp",
    "reuters",
    "via",
    "breaking",
    "live",
    "update",
    "exclusive",
    "opinion",
    "analysis",
    "editorial",
    "obituary",
    "note",
    "editor",
    "cold",
    "war",
    "world",
    "summit",
    "olympics",
    "games",
    "cup",
    "open",
    "championship",
    "series",
    "season",
    "week",
    "month",
    "weekend",
    "morning",
    "afternoon",
    "evening",
    "night",
    "god",
    "allah",
    "internet",
    "web",
    "covid",
    "former",
];

/// Words that make a run a place or an event, not an actor.
const PLACE_EVENT_WORDS: &[&str] = &[
    "peninsula",
    "sea",
    "river",
    "mountains",
    "mountain",
    "valley",
    "island",
    "islands",
    "gulf",
    "strait",
    "bay",
    "province",
    "region",
    "district",
    "caucasus",
    "street",
    "square",
    "avenue",
    "road",
    "boulevard",
    "county",
    "coast",
    "desert",
    "lake",
    "ocean",
    "park",
    "bridge",
    "airport",
    "station",
    "stadium",
    "arena",
    "hall",
    "war",
    "summit",
    "games",
    "cup",
    "olympics",
    "conference",
    "agreement",
    "accord",
    "accords",
    "treaty",
    "deal",
    "act",
    "day",
    "week",
    "festival",
    "awards",
    "award",
    "prize",
    "championship",
    "tournament",
    "open",
    "series",
    "season",
    "election",
    "elections",
    "crisis",
    "revolution",
    "spring",
    "protests",
    "bill",
    "plan",
    "program",
    "programme",
    "project",
    "initiative",
    "campaign",
    "strategy",
    "doctrine",
    "law",
    "code",
    "report",
    "index",
    "valley",
    "heights",
    "hills",
    "strip",
    "bank",
    "border",
    "zone",
    "territory",
    "territories",
    "oblast",
    "krai",
    "governorate",
    "state",
    "states",
    "city",
    "town",
    "village",
    "capital",
    "highway",
    "canal",
    "amendment",
    "finals",
    "final",
    "show",
    "expo",
    "fair",
    "marathon",
    "derby",
    "classic",
    "trophy",
    "gala",
    "embassy",
    "consulate",
    "prison",
    "jail",
    "base",
    "camp",
    "field",
    "center",
    "centre",
    "suites",
    "hotel",
    "tower",
    "palace",
    "hilton",
    "mall",
    "building",
    "temple",
    "mosque",
    "cathedral",
    "church",
    "nation",
    "rights",
    "checker",
    "true",
    "false",
    "area",
];

#[derive(Debug, Clone)]
struct Word {
    text: String,
    /// Byte offset in the sentence.
    start: usize,
    end: usize,
}

/// A candidate name in one sentence, with its cues.
#[derive(Debug, Clone, PartialEq)]
struct Cand {
    name: String,
    person: usize,
    /// Weak organisation cues ("the" in front).
    org: usize,
    /// Strong ones ("… party", "… group" after).
    org_strong: usize,
}

#[derive(Debug, Default)]
struct Evidence {
    mentions: usize,
    person: usize,
    org: usize,
    org_strong: usize,
    in_title: bool,
    in_lead: bool,
    first_seen: usize,
}

/// Suggests actors for an article. `matcher` knows the taxonomy's actors (they come back with
/// `known: true` and their taxonomy name from `known_name`); `dismissed` holds folded names the
/// analyst dismissed.
pub fn suggest(
    title: &str,
    text: &str,
    matcher: &AliasMatcher,
    known_name: &dyn Fn(i64) -> Option<(String, Option<ActorType>)>,
    dismissed: &HashSet<String>,
) -> Vec<Suggestion> {
    let text = &strip_credits(text);
    let lower_words = lowercase_vocabulary(text);
    let mut evidence: HashMap<String, Evidence> = HashMap::new();
    let mut display: HashMap<String, String> = HashMap::new();
    let mut order = 0usize;
    let lead_end = text.split("\n\n").take(2).map(|p| p.len() + 2).sum::<usize>();
    let mut offset = 0usize;
    for sentence in sentences(text) {
        let in_lead = offset < lead_end;
        for Cand { name, person: person_cue, org: org_cue, org_strong } in candidates(sentence, &lower_words) {
            let key = fold(&name);
            let e = evidence.entry(key.clone()).or_insert_with(|| {
                order += 1;
                Evidence { first_seen: order, ..Default::default() }
            });
            e.mentions += 1;
            e.person += person_cue;
            e.org += org_cue + org_strong;
            e.org_strong += org_strong;
            e.in_lead |= in_lead;
            display.entry(key).or_insert(name);
        }
        offset += sentence.len() + 1;
    }
    // The headline only raises the salience of names the body gives: headline case capitalises
    // every word, so it cannot tell names by itself.
    let title_folded = fold(title);
    for (key, e) in evidence.iter_mut() {
        e.in_title = title_folded.contains(key.as_str());
    }

    // Surnames and short forms join the full name they belong to ("Putin" → "Vladimir Putin").
    let keys: Vec<String> = evidence.keys().cloned().collect();
    for short in &keys {
        if short.contains(' ') {
            continue;
        }
        let full: Vec<&String> = keys
            .iter()
            .filter(|k| k.contains(' ') && (k.ends_with(&format!(" {short}")) || k.starts_with(&format!("{short} "))))
            .collect();
        if let [full] = full.as_slice() {
            if let Some(e) = evidence.remove(short) {
                let f = evidence.entry((*full).clone()).or_default();
                f.mentions += e.mentions;
                f.person += e.person;
                f.org += e.org;
                f.org_strong += e.org_strong;
                f.in_title |= e.in_title;
                f.in_lead |= e.in_lead;
            }
        }
    }

    let mut out: Vec<Suggestion> = Vec::new();
    let mut seen_known: HashSet<i64> = HashSet::new();
    for (key, e) in evidence {
        let name = display.get(&key).cloned().unwrap_or_else(|| key.clone());
        if dismissed.contains(&key) || super::lexicon::is_place(&name) {
            continue;
        }
        // Known actors: the candidate is one of their names. States are tagged automatically and
        // are not people or organisations to suggest.
        if let Some(&id) = matcher.lookup(&name).first() {
            if let Some((known, actor_type)) = known_name(id) {
                if actor_type != Some(ActorType::State) && seen_known.insert(id) && !dismissed.contains(&fold(&known)) {
                    let actor_type = actor_type.unwrap_or_else(|| guess_type(&known));
                    out.push(Suggestion {
                        name: known,
                        actor_type,
                        mentions: e.mentions,
                        known: true,
                        score: score(&e),
                    });
                }
                continue;
            }
        }
        if super::lexicon::is_demonym(&name) {
            continue;
        }
        let words = name.split_whitespace().count();
        let last = key.rsplit(' ').next().unwrap_or("");
        let org_word = name.split_whitespace().any(is_org_word) || NAMED_ORGS.contains(&key.as_str());
        let acronym = is_acronym_word(&name);
        if (PLACE_EVENT_WORDS.contains(&last) && !org_word) || last.ends_with("ism") {
            continue;
        }
        // A news outlet named once is the source of a quote, not an actor of the story.
        if MEDIA_WORDS.contains(&last) && e.mentions == 1 {
            continue;
        }
        // "Southern California", "Sierra Nevada", "Kowloon West": places, unless someone speaks.
        let place_like = name.split_whitespace().any(|w| DIRECTIONS.contains(&w.to_lowercase().as_str()))
            || (words == 2 && name.split_whitespace().last().is_some_and(super::lexicon::is_state_name));
        if place_like && e.person == 0 && !org_word {
            continue;
        }
        let actor_type = if org_word || acronym || e.org > e.person || is_camel_case(&name) {
            ActorType::Organisation
        } else {
            ActorType::Person
        };
        // Enough evidence to suggest?
        let ok = match (actor_type, words) {
            (ActorType::Organisation, 1) if acronym => e.mentions >= 2 || e.org > 0,
            (ActorType::Organisation, 1) => NAMED_ORGS.contains(&key.as_str()) || e.org_strong > 0 || e.mentions >= 3,
            (ActorType::Organisation, _) => org_word || e.org > 0,
            (ActorType::Person, 1) => {
                e.person >= 2 || (e.person >= 1 && e.mentions >= 2) || (e.mentions >= 3 && !is_common_word(&key))
            }
            (ActorType::Person, 2..=4) => true,
            _ => false,
        };
        if ok {
            out.push(Suggestion { name, actor_type, mentions: e.mentions, known: false, score: score(&e) });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.mentions.cmp(&a.mentions)).then(a.name.cmp(&b.name)));
    out
}

fn score(e: &Evidence) -> f64 {
    e.mentions as f64 + if e.in_title { 3.0 } else { 0.0 } + if e.in_lead { 1.0 } else { 0.0 }
        - e.first_seen as f64 * 0.001
}

/// Removes parenthesised photo and wire credits ("(Kayhan Ozer/Anadolu Agency via AP, Pool)"):
/// the people and agencies they name are not actors of the story.
// Offsets are those of '(' and ')' found in the same string: one-byte characters, so the
// positions around them are character boundaries.
#[allow(clippy::string_slice)]
fn strip_credits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| open + c) else { break };
        let inside = &rest[open + 1..close];
        let credit = inside.contains('/')
            || [" via ", "Photo", "photo", "Credit", "Getty", "Image", "AP", "AFP", "Reuters", "EPA", "screenshot"]
                .iter()
                .any(|m| inside.contains(m));
        out.push_str(&rest[..open]);
        if !credit {
            out.push_str(&rest[open..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The likely type of an actor known only by name.
pub fn guess_type(name: &str) -> ActorType {
    let words = name.split_whitespace().count();
    if name.split_whitespace().any(is_org_word)
        || is_acronym_word(name)
        || NAMED_ORGS.contains(&fold(name).as_str())
        || !(2..=4).contains(&words)
    {
        ActorType::Organisation
    } else {
        ActorType::Person
    }
}

/// Every word that occurs in lower case somewhere in the text: such a word, capitalised at a
/// sentence start, is not a name.
fn lowercase_vocabulary(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphabetic() && c != '-' && c != '\'')
        .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
        .map(str::to_owned)
        .collect()
}

/// Splits text into sentences (roughly: paragraph breaks and sentence punctuation followed by a
/// space).
/// Words written with a period that does not end the sentence ("Gen. Lee", "Apple Inc. said").
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "Gen", "Col", "Lt", "Maj", "Capt", "Cmdr", "Adm", "Sgt", "Cpl", "Pvt",
    "Gov", "Sen", "Rep", "Rev", "Hon", "Pres", "Amb", "Supt", "Insp", "Det", "St", "Mt", "Ft", "Jr", "Sr", "Inc", "Co",
    "Cos", "Corp", "Ltd", "Bros", "No", "Nos", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
    "Nov", "Dec", "Mme", "Mlle", "Messrs", "Dept", "Univ", "Ave", "Blvd", "vs", "Vs", "approx", "est", "Fig", "Vol",
];

/// The sentences of a text: paragraphs split at '.', '!' or '?' followed by a space, except
/// after an abbreviation or an initial.
// Offsets come from `char_indices` and `rfind(' ')` of the same paragraph, around one-byte
// characters ('.', '!', '?', ' '): always character boundaries.
#[allow(clippy::string_slice)]
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut start = 0;
        let bytes = para.as_bytes();
        for (i, c) in para.char_indices() {
            if matches!(c, '.' | '!' | '?') && bytes.get(i + 1) == Some(&b' ') {
                // "Mr. Smith", "U.S. forces", "Gen. Lee", "J. Smith": an abbreviation or an
                // initial, not a sentence end; "the NHL. Hathaway" and "Get. It" end one.
                let word_start = para[..i].rfind(' ').map_or(0, |p| p + 1);
                let word = para[word_start..i].trim_start_matches(['(', '"', '“', '‘', '\'']);
                let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
                if c == '.' && (initial || word.contains('.') || ABBREVIATIONS.contains(&word)) {
                    continue;
                }
                out.push(&para[start..=i]);
                start = i + 2;
            }
        }
        if start < para.len() {
            out.push(&para[start..]);
        }
    }
    out
}

// Word bounds are positions from `char_indices` of this sentence: character boundaries.
#[allow(clippy::string_slice)]
fn words_of(sentence: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in sentence.char_indices() {
        let part = c.is_alphanumeric() || c == '-' || c == '\'' || c == '’' || (c == '.' && start.is_some());
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word { text: sentence[s..i].to_owned(), start: s, end: i });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word { text: sentence[s..].to_owned(), start: s, end: sentence.len() });
    }
    out
}

fn is_cap(w: &str) -> bool {
    let w = w.trim_start_matches("al-").trim_start_matches("el-").trim_start_matches("ad-");
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    w.chars().next().is_some_and(char::is_uppercase) && (w.chars().any(char::is_lowercase) || letters >= 2)
}

/// Lower-case words allowed inside an organisation's name ("Bank of England").
fn is_connector(w: &str) -> bool {
    matches!(w, "of" | "for" | "on" | "de" | "del" | "la" | "du" | "von" | "van" | "der" | "bin" | "ibn" | "al")
}

/// Acronyms that are not organisations.
const NOT_ORG_ACRONYMS: &[&str] = &[
    "TV", "CEO", "CFO", "COO", "CTO", "GDP", "VIP", "MVP", "OT", "DL", "QB", "RB", "WR", "PR", "HR", "IT", "AI", "VR",
    "AR", "PC", "ID", "DNA", "RNA", "HIV", "AIDS", "USB", "GPS", "LED", "LCD", "PDF", "FAQ", "DIY", "ASAP", "FYI",
    "AM", "PM", "BC", "AD", "OK", "TBA", "TBD", "EST", "PST", "GMT", "UTC", "CST", "EDT", "PDT", "LGBT", "LGBTQ",
    "ETF", "IPO", "CPI", "EV", "SUV", "NFT", "RPM", "MPH", "KM", "UK", "US", "USA", "EU", "UN", "TL", "DR", "PS",
    "PPS", "RIP", "LOL", "OMG", "WTF", "ICYMI", "COVID", "SARS", "MERS", "ICU", "ER", "CBD", "THC", "APR", "ATM", "CD",
    "DVD", "HD", "HQ", "IQ", "IRL", "PIN", "SMS", "SOS", "URL", "WIFI", "NB", "RSVP",
];

/// The capitalised runs of a sentence, each with (person cues, organisation cues).
// Every offset is a `Word` bound from `words_of(sentence)` of this same sentence.
#[allow(clippy::string_slice)]
fn candidates(sentence: &str, lower_vocab: &HashSet<String>) -> Vec<Cand> {
    let words = words_of(sentence);
    // A sentence shouting in capitals is a headline or a kicker: its capitals say nothing.
    let shouting = words.iter().filter(|w| w.text.chars().count() >= 3 && is_all_caps(&w.text)).count() >= 3;
    let cap = |w: &Word| is_cap(&w.text) && !(shouting && is_all_caps(&w.text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !cap(&words[i]) {
            i += 1;
            continue;
        }
        // Extend the run over capitalised words and initials, and over connectors ("of", "for",
        // "and", "&") that lead to another capitalised word; never over other punctuation.
        let mut j = i + 1;
        let mut split_points: Vec<usize> = Vec::new();
        let mut amp_before: Vec<usize> = Vec::new();
        while j < words.len() && !compound_tail(&words[j - 1].text) && !is_possessive(&words[j - 1].text) {
            let gap = &sentence[words[j - 1].end..words[j].start];
            let ampersand = gap.trim() == "&";
            if !gap.trim().is_empty() && !ampersand {
                break;
            }
            if ampersand && j < words.len() && cap(&words[j]) {
                split_points.push(j);
                amp_before.push(j);
                j += 1;
            } else if cap(&words[j]) || is_initial(&words[j].text) {
                j += 1;
            } else if connector_allowed(&words, j, sentence) {
                if words[j].text == "and" {
                    split_points.push(j);
                }
                j += 2;
            } else {
                break;
            }
        }
        let mut run: Vec<String> = Vec::new();
        for (k, w) in words[i..j].iter().enumerate() {
            if amp_before.contains(&(i + k)) {
                run.push("&".to_owned());
            }
            run.push(w.text.clone());
        }
        if let Some(last) = run.last_mut() {
            *last = strip_possessive(last);
        }
        // "and"/"&" join only an organisation's name ("Securities and Exchange Commission");
        // elsewhere they separate two names ("Granollers and Lopez").
        // Split at "and"/"&" unless the whole is one organisation's name; two organisations
        // ("United Nations and European Union") are split too.
        let ends_in_org = run.last().is_some_and(|w| is_org_word(w));
        let parts: Vec<Vec<String>> =
            run.split(|w| w == "and" || w == "&").map(<[String]>::to_vec).filter(|p| !p.is_empty()).collect();
        let two_orgs = parts.len() == 2 && parts[0].len() >= 2 && parts[0].last().is_some_and(|w| is_org_word(w));
        // Descriptive names join ordinary words ("Securities and Exchange Commission", "Customs and
        // Border Protection"); two companies do not ("McClatchy and Tribune").
        let ordinary = |w: &String| {
            let lower = w.to_lowercase();
            // A plural of a frequent word is ordinary too ("Customs", "Explosives").
            (is_common_word(&lower) || lower.strip_suffix('s').is_some_and(is_common_word))
                && !super::lexicon::is_state_name(w)
                && !super::lexicon::is_place(w)
                && !super::lexicon::is_demonym(w)
        };
        let descriptive = parts.len() == 2
            && parts[0].last().is_some_and(ordinary)
            && parts[1].first().is_some_and(ordinary)
            && (ends_in_org || parts[1].iter().all(ordinary));
        let pieces: Vec<Vec<String>> = if split_points.is_empty() || (descriptive && !two_orgs) {
            vec![std::mem::take(&mut run).into_iter().filter(|w| w != "and" || !split_points.is_empty()).collect()]
        } else {
            parts
        };
        let before_text = sentence[..words[i].start].trim_end();
        let sentence_start = i == 0 || before_text.ends_with([':', '“', '"', '—', '(', '–']);
        // "MADRID (AP) —", "VIENNA –": a dateline, not an actor.
        let after_text = sentence[words[j - 1].end..].trim_start();
        let dateline = i == 0
            && words[i..j].iter().all(|w| is_all_caps(&w.text))
            && (after_text.starts_with('(') || after_text.starts_with(['—', '–', '-']));
        if !dateline {
            let before = if i > 0 { Some(words[i - 1].text.to_lowercase()) } else { None };
            let after: Vec<String> = words[j..].iter().take(2).map(|w| w.text.to_lowercase()).collect();
            let gap_after =
                if j < words.len() { sentence[words[j - 1].end..words[j].start].to_owned() } else { String::new() };
            let n = pieces.len();
            for (k, mut piece) in pieces.into_iter().enumerate() {
                if let Some(last) = piece.last_mut() {
                    if compound_tail(last) {
                        if let Some((head, _)) = last.split_once('-') {
                            *last = head.to_owned();
                        }
                    }
                }
                let first = k == 0;
                let last = k + 1 == n;
                out.extend(analyse_run(
                    piece,
                    sentence_start && first,
                    if first { before.as_deref() } else { None },
                    if last { &after } else { &[] },
                    if last { &gap_after } else { "" },
                    lower_vocab,
                ));
            }
        }
        i = j;
    }
    out
}

/// May the lower-case word at `j` join the run? "of"/"for" after a name that is not a title,
/// "on" after an organisation word, "and" for now (split later unless an organisation follows);
/// always followed by a capitalised word that is not a weekday or month.
// Every offset is a `Word` bound from `words_of(sentence)` of this same sentence.
#[allow(clippy::string_slice)]
fn connector_allowed(words: &[Word], j: usize, sentence: &str) -> bool {
    let w = words[j].text.as_str();
    if !is_connector(w) && w != "and" {
        return false;
    }
    let Some(next) = words.get(j + 1) else { return false };
    if !is_cap(&next.text) || NOT_NAMES.contains(&next.text.to_lowercase().as_str()) {
        return false;
    }
    if !sentence[words[j - 1].end..words[j].start].trim().is_empty()
        || !sentence[words[j].end..next.start].trim().is_empty()
    {
        return false;
    }
    let prev = &words[j - 1].text;
    if (super::lexicon::is_place(&next.text) || super::lexicon::is_state_name(&next.text)) && !is_org_word(prev) {
        return false; // "Uchiyama of Japan", but "University of Miami"
    }
    match w {
        "on" => is_org_word(prev),
        "of" | "for" => !is_title(prev),
        _ => true,
    }
}

/// "W." in "Patrick W. Carlineo": an initial inside a name.
fn is_initial(w: &str) -> bool {
    let chars: Vec<char> = w.chars().collect();
    chars.len() == 2 && chars[0].is_uppercase() && chars[1] == '.'
}

/// "Putin's", "Ministry's" end a name; "People's Liberation Army" goes on.
fn is_possessive(w: &str) -> bool {
    let base = w.trim_end_matches("'s").trim_end_matches("’s");
    (w.ends_with("'s") || w.ends_with("’s"))
        && !matches!(base, "People" | "Children" | "Women" | "Men" | "Workers" | "Veterans")
}

fn is_all_caps(w: &str) -> bool {
    w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase)
}

/// "Party-controlled", "U.S.-backed": the name ends inside this word. ("Cheuk Hau-yip" keeps
/// its lower-case tail: it is not an English word.)
fn compound_tail(w: &str) -> bool {
    w.split_once('-').is_some_and(|(head, tail)| {
        !head.eq_ignore_ascii_case("al")
            && tail.chars().next().is_some_and(char::is_lowercase)
            && (is_common_word(tail) || tail.ends_with("ed") || tail.ends_with("ing") || tail.ends_with("born"))
    })
}

fn is_title(w: &str) -> bool {
    TITLES.contains(&w.to_lowercase().trim_end_matches('.'))
}

fn is_org_word(w: &str) -> bool {
    ORG_WORDS.contains(&w.to_lowercase().trim_start_matches("al-"))
}

/// Splits a run of capitalised words into candidates: titles separate an affiliation from a
/// person ("NASA Administrator Jim Bridenstine" → NASA, Jim Bridenstine), an acronym stands apart
/// from the names after it ("NHL Hathaway").
fn analyse_run(
    mut words: Vec<String>,
    sentence_start: bool,
    before: Option<&str>,
    after: &[String],
    gap_after: &str,
    lower_vocab: &HashSet<String>,
) -> Vec<Cand> {
    // A sentence-initial word that is an ordinary word is not part of a name ("Welcome Jose
    // Mourinho"): function words, words the text also writes in lower case, and one frequent
    // word of the language (not a title or a state, which the rules below read).
    if sentence_start {
        // Organisation names are made of ordinary words ("National Institute", "Young Guard").
        let org_name = words.iter().any(|w| is_org_word(w)) && words.len() > 1;
        while let Some(first) = words.first() {
            let l = first.to_lowercase();
            if NOT_NAMES.contains(&l.as_str()) || (lower_vocab.contains(&l) && !org_name) {
                words.remove(0);
            } else {
                break;
            }
        }
        if words.len() > 1 && !words.last().is_some_and(|w| is_org_word(w)) {
            let l = words[0].to_lowercase();
            // Frequent words include first names ("Chris", "Oscar"): only words shaped like verbs
            // and adverbs, or the imperatives headlines use, are dropped.
            let verb_like = l.ends_with("ing")
                || l.ends_with("ed")
                || l.ends_with("ly")
                || matches!(
                    l.as_str(),
                    "welcome"
                        | "visit"
                        | "host"
                        | "meet"
                        | "watch"
                        | "see"
                        | "join"
                        | "follow"
                        | "get"
                        | "buy"
                        | "check"
                        | "ask"
                        | "thank"
                        | "congratulations"
                );
            if verb_like && is_common_word(&l) && !is_title(&l) && !super::lexicon::is_state_name(&l) {
                words.remove(0);
            }
        }
    }
    let mut out = Vec::new();
    // "Australian Timothy Weeks": a nationality in front of a name is not part of it.
    let person_like =
        |ws: &[String]| (2..=3).contains(&ws.len()) && !ws.iter().any(|w| is_org_word(w) || is_connector(w));
    if words.len() >= 3 && super::lexicon::is_demonym(&words[0]) && person_like(&words[1..]) {
        words.remove(0);
    }
    // A run of titles alone ("Vice President") names nobody; an affiliation with a trailing
    // title ("California Governor") names the affiliation at most.
    if words.iter().all(|w| is_title(w)) {
        return out;
    }
    let trailing_title = |w: &String| is_title(w) && !w.eq_ignore_ascii_case("state");
    let of_before_last = words.len() >= 3 && words[words.len() - 2] == "of";
    // Only after an affiliation: "Kevin King" is a person, "California Governor" a title.
    let affiliation_before = words.len() >= 2
        && words[..words.len() - 1].iter().any(|w| {
            is_org_word(w)
                || is_title(w)
                || is_acronym_word(w)
                || super::lexicon::is_state_name(w)
                || super::lexicon::is_place(w)
                || super::lexicon::is_demonym(w)
        });
    if words.last().is_some_and(trailing_title)
        && !words.last().is_some_and(|w| is_org_word(w))
        && !of_before_last
        && (affiliation_before || words.len() == 1)
    {
        while words.last().is_some_and(trailing_title) {
            words.pop();
        }
        // What is left is an affiliation: worth suggesting only as an organisation.
        if words.iter().any(|w| is_org_word(w)) {
            out.extend(candidate(words, false, None, &[], "", lower_vocab, 0, 0));
        }
        return out;
    }
    // A state in front of a person's name: "Ukraine Kurt Volker".
    if words.len() >= 3
        && super::lexicon::is_state_name(&words[0])
        && (2..=3).contains(&(words.len() - 1))
        && !words.iter().any(|w| is_org_word(w) || is_connector(w))
    {
        words.remove(0);
    }
    // The last title with a name after it splits the run.
    let ends_in_org = words.last().is_some_and(|w| is_org_word(w));
    let title_at =
        if ends_in_org { None } else { words.iter().rposition(|w| is_title(w)).filter(|&k| k + 1 < words.len()) };
    if let Some(k) = title_at {
        let name: Vec<String> = words[k + 1..].to_vec();
        let affiliation: Vec<String> = words[..k].iter().filter(|w| !is_title(w)).cloned().collect();
        // The affiliation counts if it reads as an organisation ("NASA", "White House").
        let org_like = affiliation.iter().any(|w| is_org_word(w) || is_acronym_word(w));
        if !affiliation.is_empty()
            && org_like
            && !(affiliation.len() == 1 && super::lexicon::is_demonym(&affiliation[0]))
        {
            out.extend(candidate(affiliation, false, None, &[], "", lower_vocab, 0, 0));
        }
        if !name.is_empty() {
            out.extend(candidate(name, false, before, after, gap_after, lower_vocab, 1, 0));
        }
        return out;
    }
    // "White House Russia expert": a state name closing a longer run is not part of it.
    if words.len() >= 3
        && words[words.len() - 2] != "of"
        && words.last().is_some_and(|w| super::lexicon::is_state_name(w))
    {
        words.pop();
    }
    // An acronym followed by ordinary names: two candidates.
    if words.len() > 1 && is_acronym_word(&words[0]) && !ends_in_org {
        let rest = words.split_off(1);
        out.extend(candidate(words, false, before, &[], "", lower_vocab, 0, 0));
        out.extend(candidate(rest, false, None, after, gap_after, lower_vocab, 0, 0));
        return out;
    }
    out.extend(candidate(words, sentence_start, before, after, gap_after, lower_vocab, 0, 0));
    out
}

fn is_acronym_word(w: &str) -> bool {
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    (2..=5).contains(&letters) && is_all_caps(w) && !w.contains('.')
}

#[allow(clippy::too_many_arguments)]
fn candidate(
    mut words: Vec<String>,
    _sentence_start: bool,
    before: Option<&str>,
    after: &[String],
    gap_after: &str,
    lower_vocab: &HashSet<String>,
    mut person: usize,
    mut org: usize,
) -> Option<Cand> {
    let mut org_strong = 0;
    while words.first().is_some_and(|w| NOT_NAMES.contains(&w.to_lowercase().as_str()) || is_connector(w)) {
        words.remove(0);
    }
    while let Some(last) = words.last() {
        let l = last.to_lowercase();
        // A capitalised "He" after a name is part of it ("Liu He"), not a pronoun.
        let pronoun = matches!(l.as_str(), "he" | "she" | "it" | "we" | "i" | "you" | "they");
        if is_connector(&l) || (NOT_NAMES.contains(&l.as_str()) && !(pronoun && words.len() > 1)) {
            words.pop();
        } else {
            break;
        }
    }
    if let Some(last) = words.last_mut() {
        *last = strip_possessive(last);
    }
    if words.is_empty() || words.iter().all(|w| NOT_NAMES.contains(&w.to_lowercase().as_str())) {
        return None;
    }
    // "FRANCE WINS", "CLOSEOUT SEQUENCE": a heading in capitals, not an acronym.
    if words.len() > 1 && words.iter().all(|w| is_all_caps(w)) && words.iter().any(|w| w.chars().count() > 4) {
        return None;
    }
    if words.len() == 1 {
        let w = &words[0];
        let l = w.to_lowercase();
        let acronym = is_acronym_word(w);
        if (lower_vocab.contains(&l) && !acronym)
            || super::lexicon::is_demonym(w)
            || (is_all_caps(w) && !acronym)
            || l.chars().count() < 2
            || (is_org_word(w) && !NAMED_ORGS.contains(&l.as_str()))
            || NOT_ORG_ACRONYMS.contains(&w.as_str())
        {
            return None;
        }
    }
    if let Some(b) = before {
        if b == "the" {
            org += 1;
        }
        if matches!(b, "mr" | "mr." | "mrs" | "mrs." | "ms" | "ms." | "dr" | "dr." | "by") {
            person += 1;
        }
    }
    let gap_is_space = gap_after.trim().is_empty();
    if let Some(a) = after.first() {
        if gap_is_space && ORG_FOLLOWERS.contains(&a.as_str()) {
            org_strong += 1;
        }
        if (gap_is_space || gap_after.contains(',')) && SPEECH.contains(&a.as_str()) {
            person += 1;
        }
    }
    let name = words.join(" ");
    if name.chars().count() > 80 || !name.chars().any(char::is_alphabetic) {
        return None;
    }
    Some(Cand { name, person, org, org_strong })
}

/// An ordinary word of the language (from the embedded frequency lists).
fn is_common_word(lower: &str) -> bool {
    super::lexicon::is_common(lower)
}

fn strip_possessive(w: &str) -> String {
    let w = w.trim_end_matches("'s").trim_end_matches("’s").trim_end_matches(['\'', '’']);
    // "U.S." and "Co." keep their dots; a sentence's final dot is not part of a name.
    let abbreviation = matches!(w, "Co." | "Corp." | "Inc." | "Ltd." | "Jr." | "Sr." | "Bros." | "Cos.");
    if abbreviation || w.trim_end_matches('.').contains('.') {
        w.to_owned()
    } else {
        w.trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        assert_eq!(sentences(text), expected, "sentences of {text:?}");
    }

    #[test]
    fn sentence_ends_and_abbreviations() {
        check(
            "Gen. Lee met Mr. Smith in the U.S. capital. Then he left.",
            &["Gen. Lee met Mr. Smith in the U.S. capital.", "Then he left."],
        );
        check("J. K. Rowling spoke. Apple Inc. said no.", &["J. K. Rowling spoke.", "Apple Inc. said no."]);
        check("Is it over? Yes! It is.\nNew paragraph", &["Is it over?", "Yes!", "It is.", "New paragraph"]);
        // Regression: an acronym or a short word before the period glued two sentences into one
        // name ("NHL. Hathaway", "Get. It" were suggested as actors).
        check("He played in the NHL. Hathaway agreed.", &["He played in the NHL.", "Hathaway agreed."]);
        check("Get. It done.", &["Get.", "It done."]);
        check("(Sept. 4) was the day.", &["(Sept. 4) was the day."]);
    }

    /// The names suggested for a text, in order.
    fn check_suggested(text: &str, expected: &[&str]) {
        let matcher = AliasMatcher::build(Vec::new());
        let got: Vec<String> =
            suggest("", text, &matcher, &|_| None, &HashSet::new()).into_iter().map(|s| s.name).collect();
        for name in expected {
            assert!(got.iter().any(|g| g == name), "{name:?} not among {got:?} for {text:?}");
        }
    }

    #[test]
    fn descriptive_names_joined_by_and() {
        // Regression: "Customs" is not a frequent word, only "custom" is, so the agency's name
        // was split and "Border Protection" suggested as a person.
        check_suggested(
            "Here is the most recent data on drug seizures from Customs and Border Protection. \
             The official way that Customs and Border Protection measures seizures is by pounds.",
            &["Customs and Border Protection"],
        );
        check_suggested(
            "The Securities and Exchange Commission fined the bank. \
             The Securities and Exchange Commission said it would appeal.",
            &["Securities and Exchange Commission"],
        );
    }
}
