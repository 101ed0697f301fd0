//! The query language, and its translation to SQLite: one parser for search, topic rules and
//! briefing selections.
//!
//! ```text
//! Kremlin "Nagorno-Karabakh" -Azerbaijan            words, phrases, exclusion
//! (Putin OR Medvedev) AND NOT sanctions             boolean operators, parentheses
//! NEAR(Putin Obama, 5)   sanction*                  proximity, prefix
//! title:Syria author:"Robert Burns" site:reuters    fields of the article
//! lang:ru topic:Syria actor:Путин                   language, tags (topics include children,
//!                                                   actors match any alias)
//! has:note has:highlight                            analyst's additions
//! after:2016-06-01 before:2016-07 clipped:7d        dates (published or clipped; 7d = last week)
//! story:42 wire:ap                                  one story's clips; clips an agency credits
//! ```
//!
//! Words are matched case- and diacritic-insensitively by the index tokenizer; Chinese and
//! Japanese terms match as substrings (each character is a token, see `text::fts_prepare`).
//!
//! [`parse`] turns text into a [`Node`] tree, with errors that name the position and what was
//! expected. [`compile`] turns the tree into an FTS5 `MATCH` string plus SQL conditions with bound
//! parameters. User text reaches FTS5 only inside double-quoted strings (quotes doubled) and SQL
//! only as parameters: nothing typed can change the structure of either.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::text::fts_prepare;

/// Longer queries are refused: no analyst types this much, and hostile input must stay cheap.
pub const MAX_QUERY_CHARS: usize = 2000;
const MAX_TERMS: usize = 100;
const MAX_DEPTH: usize = 20;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Matches every clip (the empty query).
    All,
    Term(Term),
    Field(Field),
    Near {
        terms: Vec<String>,
        distance: u32,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// Text to find in the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub text: String,
    pub phrase: bool,
    pub prefix: bool,
    /// Restricted to one indexed column (`title:`, `author:`).
    pub column: Option<&'static str>,
}

/// A condition outside the full-text index.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Lang(String),
    Topic(String),
    Actor(String),
    HasNote,
    HasHighlight,
    HasTag,
    /// Published at or after.
    After(DateBound),
    /// Published before.
    Before(DateBound),
    /// Clipped within [from, to).
    Clipped(DateBound, Option<DateBound>),
    /// A saved search, expanded by `saved::expand` before compiling.
    Saved(String),
    /// Clips carrying any of these tags: `topic:` and `actor:` once resolved against the
    /// library (`saved::expand`).
    TagIds(Vec<i64>),
    /// A monitored source by title, URL or id (`feed:Reuters`).
    Feed(String),
    /// A folder of sources, with its subfolders (`folder:Wires/Europe`).
    Folder(String),
    /// Rows that came from any of these feeds: `feed:` and `folder:` once resolved.
    FeedIds(Vec<i64>),
    /// The clips of one story.
    Story(i64),
    /// Clips crediting a news agency, by its code (`ap`).
    Wire(String),
}

/// A date as typed: absolute (`2016-06` is the first instant of June 2016, UTC) or relative (`7d`,
/// resolved when the query runs, so a saved "last week" stays last week).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateBound {
    Absolute(DateTime<Utc>),
    /// This long before the moment the query runs.
    Relative(Duration),
}

impl DateBound {
    pub fn resolve(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            DateBound::Absolute(t) => *t,
            DateBound::Relative(d) => now - *d,
        }
    }
}

/// A malformed query: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("query error at position {position}: {message}")]
pub struct QueryError {
    /// Character offset (0-based) into the query.
    pub position: usize,
    pub message: String,
}

impl QueryError {
    fn at(position: usize, message: impl Into<String>) -> Self {
        QueryError { position, message: message.into() }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Phrase(String),
    LParen,
    RParen,
    Comma,
    Minus,
    /// `name:` immediately followed by its value.
    FieldName(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    /// Character offset just past the token (its `*` included).
    end: usize,
    /// The token is directly followed by `*` (prefix search).
    star: bool,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '(' => {
                out.push(Token { tok: Tok::LParen, pos: i, end: i + 1, star: false });
                i += 1;
            }
            ')' => {
                out.push(Token { tok: Tok::RParen, pos: i, end: i + 1, star: false });
                i += 1;
            }
            ',' => {
                out.push(Token { tok: Tok::Comma, pos: i, end: i + 1, star: false });
                i += 1;
            }
            '-' if chars.get(i + 1).is_some_and(|n| n.is_alphanumeric() || matches!(n, '"' | '(' | '“' | '«'))
                && at_term_start(&out) =>
            {
                out.push(Token { tok: Tok::Minus, pos: i, end: i + 1, star: false });
                i += 1;
            }
            '"' | '“' | '”' | '«' | '„' => {
                let closing: &[char] = match c {
                    '«' => &['»'],
                    _ => &['"', '”', '“'],
                };
                let mut j = i + 1;
                while j < chars.len() && !closing.contains(&chars[j]) {
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(QueryError::at(start, "unbalanced quote: expected a closing \" for this phrase"));
                }
                let text: String = chars[i + 1..j].iter().collect();
                i = j + 1;
                let star = chars.get(i) == Some(&'*');
                if star {
                    i += 1;
                }
                out.push(Token { tok: Tok::Phrase(text), pos: start, end: i, star });
            }
            _ => {
                let mut j = i;
                while j < chars.len()
                    && !chars[j].is_whitespace()
                    && !matches!(chars[j], '(' | ')' | '"' | '“' | '”' | '«' | ',')
                {
                    if chars[j] == ':' && j > i && j + 1 < chars.len() && !chars[j + 1].is_whitespace() {
                        break;
                    }
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                if chars.get(j) == Some(&':')
                    && j + 1 < chars.len()
                    && !chars[j + 1].is_whitespace()
                    && is_field_name(&word)
                {
                    out.push(Token { tok: Tok::FieldName(word.to_lowercase()), pos: start, end: j + 1, star: false });
                    i = j + 1;
                    continue;
                }
                if chars.get(j) == Some(&':') {
                    // "foo:bar" with an unknown field: search the words.
                    let mut k = j;
                    while k < chars.len() && !chars[k].is_whitespace() && !matches!(chars[k], '(' | ')' | '"' | ',') {
                        k += 1;
                    }
                    if is_field_like(&word) {
                        return Err(QueryError::at(
                            start,
                            format!("unknown field '{word}:': expected one of {}", FIELDS.join(", ")),
                        ));
                    }
                    j = k;
                }
                let mut word: String = chars[i..j].iter().collect();
                let star = word.ends_with('*') && word.chars().count() > 1;
                if star {
                    word.pop();
                }
                i = j;
                out.push(Token { tok: Tok::Word(word), pos: start, end: i, star });
            }
        }
    }
    Ok(out)
}

/// A `-` starts an exclusion where a term may start; right after `field:` it is part of the value.
/// (Inside a word, as in "Nagorno-Karabakh", the word scanner never stops at `-`.)
fn at_term_start(out: &[Token]) -> bool {
    out.last().is_none_or(|t| !matches!(t.tok, Tok::FieldName(_)))
}

const FIELDS: &[&str] = &[
    "title", "author", "site", "lang", "topic", "actor", "has", "after", "before", "clipped", "since", "saved", "feed",
    "folder", "story", "wire",
];

fn is_field_name(word: &str) -> bool {
    FIELDS.contains(&word.to_lowercase().as_str())
}

/// Lower-case ASCII letters only, short: looks like a field someone meant (`auther:`), not a URL
/// scheme or a time ("http:", "10:30").
fn is_field_like(word: &str) -> bool {
    (2..=10).contains(&word.len())
        && word.chars().all(|c| c.is_ascii_lowercase())
        && !matches!(word, "http" | "https" | "mailto" | "ftp")
}

/// Rewrites the values of one field (`topic:`) in a query as the analyst typed it, every other
/// character kept as it was: `f` gets each value and returns its replacement, or `None` to keep
/// it. A query that does not tokenize comes back unchanged.
pub fn rewrite_field(input: &str, field: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let chars: Vec<char> = input.chars().collect();
    let cleaned: String = chars.iter().map(|&c| if c.is_control() { ' ' } else { c }).collect();
    let Ok(tokens) = tokenize(&cleaned) else { return input.to_owned() };
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    for pair in tokens.windows(2) {
        let (Tok::FieldName(name), Tok::Word(value) | Tok::Phrase(value)) = (&pair[0].tok, &pair[1].tok) else {
            continue;
        };
        if name != field || pair[1].star {
            continue;
        }
        if let Some(new) = f(value) {
            out.extend(&chars[at..pair[1].pos]);
            out.push_str(&quote_value(&new));
            at = pair[1].end;
        }
    }
    out.extend(&chars[at..]);
    out
}

/// A field value as it must be typed: bare when it is one plain word, else quoted.
fn quote_value(v: &str) -> String {
    let plain = !v.is_empty()
        && !v.starts_with('-')
        && v.chars().all(|c| {
            !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | '“' | '”' | '«' | '»' | '„' | ',' | ':' | '*')
        });
    if plain {
        v.to_owned()
    } else if !v.contains(['"', '“', '”']) {
        format!("\"{v}\"")
    } else {
        format!("«{v}»")
    }
}

/// Parses a query. An empty query matches everything.
pub fn parse(input: &str) -> Result<Node, QueryError> {
    let n = input.chars().count();
    if n > MAX_QUERY_CHARS {
        return Err(QueryError::at(
            MAX_QUERY_CHARS,
            format!("query too long ({n} characters; the limit is {MAX_QUERY_CHARS})"),
        ));
    }
    // Control characters (NUL among them, which ends a string inside SQLite's FTS5 query parser)
    // separate words like spaces; replaced one for one so error positions stay right.
    let input: String = input.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut tokens = tokenize(&input)?;
    // Stray punctuation between words ("Putin – Obama", "';") is not something to search for.
    let first_pos = tokens.first().map(|t| t.pos);
    tokens.retain(|t| !matches!(&t.tok, Tok::Word(w) if !w.chars().any(char::is_alphanumeric)));
    if tokens.is_empty() {
        return match first_pos {
            None => Ok(Node::All),
            Some(pos) => Err(QueryError::at(pos, "expected a word to search for")),
        };
    }
    let mut p = Parser { tokens, at: 0, terms: 0, end: n };
    let node = p.expr(0)?;
    if let Some(t) = p.peek() {
        return Err(match t.tok {
            Tok::RParen => QueryError::at(t.pos, "unbalanced ')': no '(' opens it"),
            _ => QueryError::at(t.pos, "expected an operator or the end of the query"),
        });
    }
    Ok(node)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    terms: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn pos(&self) -> usize {
        self.peek().map_or(self.end, |t| t.pos)
    }
    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), star: false, .. }) if w == kw)
    }

    /// `left NOT right`: an infix NOT excludes from everything on its left, so
    /// `Syria OR Aleppo NOT "Syria, New York"` means `(Syria OR Aleppo) NOT "Syria, New York"`, as
    /// an analyst writing a rule means it. (`AND NOT x` and `-x` exclude from the nearest term.)
    /// Its right side is one term or an `OR` of terms (`Putin NOT Erdogan OR Medvedev` excludes
    /// both). After it, implicit AND goes on as in every search engine: `Putin NOT Erdogan
    /// Medvedev` is Putin, not Erdogan, and Medvedev.
    fn expr(&mut self, depth: usize) -> Result<Node, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::at(self.pos(), format!("too deeply nested (more than {MAX_DEPTH} levels)")));
        }
        let mut parts = vec![self.or_expr(depth)?];
        loop {
            if self.is_keyword("NOT") {
                let pos = self.pos();
                self.next();
                if self.peek().is_none() {
                    return Err(QueryError::at(pos, "expected a term after NOT"));
                }
                let mut excluded = vec![self.unary(depth)?];
                while self.is_keyword("OR") {
                    let pos = self.pos();
                    self.next();
                    if self.peek().is_none() {
                        return Err(QueryError::at(pos, "expected a term after OR"));
                    }
                    excluded.push(self.unary(depth)?);
                }
                let right = if excluded.len() == 1 { excluded.remove(0) } else { Node::Or(excluded) };
                parts.push(Node::Not(Box::new(right)));
                continue;
            }
            match self.peek() {
                None => break,
                Some(t) if matches!(t.tok, Tok::RParen | Tok::Comma) => break,
                Some(_) if self.is_keyword("OR") => {
                    return Err(QueryError::at(self.pos(), "expected a term before OR"));
                }
                Some(_) if self.is_keyword("AND") => {
                    let pos = self.pos();
                    self.next();
                    if self.peek().is_none() || self.is_keyword("OR") {
                        return Err(QueryError::at(pos, "expected a term after AND"));
                    }
                }
                Some(_) => parts.push(self.or_expr(depth)?),
            }
        }
        Ok(flatten_and(parts))
    }

    fn or_expr(&mut self, depth: usize) -> Result<Node, QueryError> {
        let mut parts = vec![self.and_expr(depth)?];
        while self.is_keyword("OR") {
            let pos = self.pos();
            self.next();
            if self.peek().is_none() {
                return Err(QueryError::at(pos, "expected a term after OR"));
            }
            parts.push(self.and_expr(depth)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Node::Or(parts) })
    }

    fn and_expr(&mut self, depth: usize) -> Result<Node, QueryError> {
        let mut parts = vec![self.unary(depth)?];
        loop {
            if self.is_keyword("AND") {
                let pos = self.pos();
                self.next();
                if self.peek().is_none() || self.is_keyword("OR") {
                    return Err(QueryError::at(pos, "expected a term after AND"));
                }
                parts.push(self.unary(depth)?);
                continue;
            }
            match self.peek() {
                None => break,
                Some(t) if matches!(t.tok, Tok::RParen | Tok::Comma) => break,
                Some(_) if self.is_keyword("OR") || self.is_keyword("NOT") => break,
                Some(_) => parts.push(self.unary(depth)?),
            }
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Node::And(parts) })
    }

    fn unary(&mut self, depth: usize) -> Result<Node, QueryError> {
        if self.is_keyword("NOT") {
            let pos = self.pos();
            self.next();
            if self.peek().is_none() {
                return Err(QueryError::at(pos, "expected a term after NOT"));
            }
            return Ok(Node::Not(Box::new(self.unary(depth)?)));
        }
        if matches!(self.peek(), Some(Token { tok: Tok::Minus, .. })) {
            self.next();
            return Ok(Node::Not(Box::new(self.atom(depth)?)));
        }
        self.atom(depth)
    }

    fn atom(&mut self, depth: usize) -> Result<Node, QueryError> {
        let pos = self.pos();
        let Some(token) = self.next() else {
            return Err(QueryError::at(pos, "expected a term"));
        };
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(QueryError::at(pos, format!("too many terms (the limit is {MAX_TERMS})")));
        }
        match token.tok {
            Tok::LParen => {
                if matches!(self.peek(), Some(Token { tok: Tok::RParen, .. })) {
                    return Err(QueryError::at(self.pos(), "expected a term inside the parentheses"));
                }
                let inner = self.expr(depth + 1)?;
                match self.next() {
                    Some(Token { tok: Tok::RParen, .. }) => Ok(inner),
                    Some(t) => Err(QueryError::at(t.pos, "expected ')'")),
                    None => Err(QueryError::at(pos, "unbalanced '(': expected ')' to close it")),
                }
            }
            Tok::RParen => Err(QueryError::at(pos, "unbalanced ')': expected a term")),
            Tok::Comma => Err(QueryError::at(pos, "unexpected ',': expected a term")),
            Tok::Minus => Err(QueryError::at(pos, "expected a term after '-'")),
            Tok::Word(w) if w == "NEAR" && matches!(self.peek(), Some(Token { tok: Tok::LParen, .. })) => {
                self.near(pos)
            }
            Tok::Word(w) if matches!(w.as_str(), "AND" | "OR") => {
                Err(QueryError::at(pos, format!("expected a term before {w}")))
            }
            Tok::Word(w) => term_node(w, false, token.star, None, pos),
            Tok::Phrase(p) => term_node(p, true, token.star, None, pos),
            Tok::FieldName(name) => self.field(&name, pos),
        }
    }

    fn near(&mut self, pos: usize) -> Result<Node, QueryError> {
        self.next(); // (
        let mut terms = Vec::new();
        let mut distance = 10;
        loop {
            match self.next() {
                Some(Token { tok: Tok::Word(w), .. }) | Some(Token { tok: Tok::Phrase(w), .. }) => terms.push(w),
                Some(Token { tok: Tok::Comma, pos: cpos, .. }) => {
                    match self.next() {
                        Some(Token { tok: Tok::Word(n), pos: npos, .. }) => {
                            distance = n.parse().ok().filter(|d| *d <= 1000).ok_or_else(|| {
                                QueryError::at(npos, "expected a distance (a number up to 1000) in NEAR")
                            })?;
                        }
                        _ => return Err(QueryError::at(cpos + 1, "expected a distance after ',' in NEAR")),
                    }
                    match self.next() {
                        Some(Token { tok: Tok::RParen, .. }) => break,
                        _ => return Err(QueryError::at(pos, "expected ')' to close NEAR(")),
                    }
                }
                Some(Token { tok: Tok::RParen, .. }) => break,
                Some(t) => return Err(QueryError::at(t.pos, "expected words inside NEAR(…)")),
                None => return Err(QueryError::at(pos, "unbalanced NEAR(: expected ')'")),
            }
        }
        if terms.len() < 2 {
            return Err(QueryError::at(pos, "NEAR needs at least two terms: NEAR(a b, 5)"));
        }
        Ok(Node::Near { terms, distance })
    }

    fn field(&mut self, name: &str, pos: usize) -> Result<Node, QueryError> {
        let vpos = self.pos();
        let value = match self.next() {
            Some(Token { tok: Tok::Word(w), star, .. }) => (w, false, star),
            Some(Token { tok: Tok::Phrase(p), star, .. }) => (p, true, star),
            _ => return Err(QueryError::at(vpos, format!("expected a value after '{name}:'"))),
        };
        let (text, phrase, star) = value;
        let field = match name {
            "title" => return term_node(text, phrase, star, Some("title"), vpos),
            "author" => return term_node(text, phrase, star, Some("authors"), vpos),
            "site" => return term_node(text, phrase, star, Some("site"), vpos),
            "lang" => Field::Lang(text.to_lowercase()),
            "topic" => Field::Topic(text),
            "saved" => Field::Saved(text),
            "feed" => Field::Feed(text),
            "folder" => Field::Folder(text),
            "actor" => Field::Actor(text),
            "story" => match text.trim().parse::<i64>() {
                Ok(id) if id > 0 => Field::Story(id),
                _ => {
                    return Err(QueryError::at(vpos, format!("expected a story number after 'story:', found {text:?}")))
                }
            },
            // An agency by its code or name (`wire:ap`, `wire:"Associated Press"`); an unknown one
            // matches no clip.
            "wire" => Field::Wire(
                crate::stories::wire::find(&text).map_or_else(|| crate::text::fold(text.trim()), |a| a.code.to_owned()),
            ),
            "has" => match text.to_lowercase().as_str() {
                "note" | "notes" => Field::HasNote,
                "highlight" | "highlights" => Field::HasHighlight,
                "tag" | "tags" => Field::HasTag,
                other => {
                    return Err(QueryError::at(
                        vpos,
                        format!("unknown has:{other}: expected has:note, has:highlight or has:tag"),
                    ))
                }
            },
            "after" | "since" => Field::After(date_bound(&text, vpos)?),
            "before" => Field::Before(date_bound(&text, vpos)?),
            "clipped" => {
                let (from, to) = match text.split_once("..") {
                    Some((a, b)) => (a, Some(b)),
                    None => (text.as_str(), None),
                };
                let to = match to {
                    Some(b) if !b.is_empty() => Some(date_bound(b, vpos + from.chars().count() + 2)?),
                    _ => None,
                };
                Field::Clipped(date_bound(from, vpos)?, to)
            }
            _ => return Err(QueryError::at(pos, format!("unknown field '{name}:'"))),
        };
        Ok(Node::Field(field))
    }
}

/// `parts` joined by AND, nested ANDs flattened (`a NOT b c` is one AND of three).
fn flatten_and(parts: Vec<Node>) -> Node {
    let mut flat = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Node::And(inner) => flat.extend(inner),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        flat.remove(0)
    } else {
        Node::And(flat)
    }
}

fn term_node(
    text: String,
    phrase: bool,
    prefix: bool,
    column: Option<&'static str>,
    pos: usize,
) -> Result<Node, QueryError> {
    if !text.chars().any(char::is_alphanumeric) {
        return Err(QueryError::at(pos, format!("expected a word to search for, found {text:?}")));
    }
    Ok(Node::Term(Term { text, phrase, prefix, column }))
}

/// `2016`, `2016-06`, `2016-06-01` (start of that period, UTC) or `7d`, `2w`, `3m`, `1y` (ago).
pub fn date_bound(text: &str, pos: usize) -> Result<DateBound, QueryError> {
    let t = text.trim();
    let bad = || QueryError::at(pos, format!("expected a date like 2016-06-01, 2016-06, 2016 or 7d, found {t:?}"));
    if let Some(num) = t.strip_suffix(['d', 'w', 'm', 'y']) {
        let n: i64 = num.parse().map_err(|_| bad())?;
        if !(0..=100_000).contains(&n) {
            return Err(bad());
        }
        let days = match t.chars().last() {
            Some('d') => n,
            Some('w') => n * 7,
            Some('m') => n * 30,
            _ => n * 365,
        };
        return Ok(DateBound::Relative(Duration::days(days)));
    }
    let parts: Vec<&str> = t.split('-').collect();
    let nums: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    let nums = nums.ok_or_else(bad)?;
    let date = match nums.as_slice() {
        [y] if parts[0].len() == 4 => NaiveDate::from_ymd_opt(*y as i32, 1, 1),
        [y, m] if parts[0].len() == 4 => NaiveDate::from_ymd_opt(*y as i32, *m, 1),
        [y, m, d] if parts[0].len() == 4 => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        _ => None,
    }
    .ok_or_else(bad)?;
    let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
    Ok(DateBound::Absolute(Utc.from_utc_datetime(&midnight)))
}

/// A query ready for SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The `MATCH` expression for the full-text index, when the query has words at its top level
    /// (ranking and snippets come from it).
    pub fts: Option<String>,
    /// Set when the whole query is one set of tags (a click on a topic or an actor): the clips
    /// can be read from the tag index alone.
    pub tags_only: Option<Vec<i64>>,
    /// SQL conditions on `clip` (alias `c`), joined with AND, with their parameters in order.
    pub conditions: Vec<String>,
    pub params: Vec<SqlValue>,
    pub target: Target,
}

impl Default for Compiled {
    fn default() -> Self {
        Compiled { fts: None, tags_only: None, conditions: Vec::new(), params: Vec::new(), target: Target::CLIPS }
    }
}

/// Where a compiled query runs: the table whose rows it selects (aliased `c` in the SQL) and its
/// full-text index. One query language, one parser and one compiler for every engine; the
/// targets differ only in these names. Both indexes have the columns `title, text, note, authors,
/// site`, so the MATCH expression is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub table: &'static str,
    pub fts: &'static str,
    /// The column `clipped:` compares (when the row entered the library).
    pub added: &'static str,
    /// SQL selecting the row ids linked to tag ids: `{}` stands for the list of placeholders.
    pub tag_rows: &'static str,
    /// SQL selecting the row ids that came from feed ids: `{}` as above.
    pub feed_rows: &'static str,
    /// The conditions of `has:note`, `has:highlight`, `has:tag` on `c`.
    pub has_note: &'static str,
    pub has_highlight: &'static str,
    pub has_tag: &'static str,
    /// The condition of `story:ID` on `c`, one `?` for the story id.
    pub story: &'static str,
    /// The condition of `wire:CODE` on `c`, one `?` for the agency's code.
    pub wire: &'static str,
}

impl Target {
    /// The library's clips.
    pub const CLIPS: Target = Target {
        table: "clip",
        fts: "clip_fts",
        added: "clipped_at",
        tag_rows: "SELECT clip_id FROM clip_tag WHERE tag_id IN ({})",
        feed_rows: "SELECT e.clip_id FROM entry e JOIN entry_feed ef ON ef.entry_id = e.id WHERE ef.feed_id IN ({})",
        has_note: "(c.note IS NOT NULL AND trim(c.note) != '')",
        has_highlight: "EXISTS (SELECT 1 FROM highlight h WHERE h.clip_id = c.id)",
        has_tag: "EXISTS (SELECT 1 FROM clip_tag x WHERE x.clip_id = c.id)",
        story: "c.story_id = ?",
        wire: "c.wire = ?",
    };
    /// The monitoring inbox's entries: actors are the ones their title and summary name; they
    /// have no topics, notes or highlights.
    pub const ENTRIES: Target = Target {
        table: "entry",
        fts: "entry_fts",
        added: "found_at",
        tag_rows: "SELECT entry_id FROM entry_actor WHERE actor_id IN ({})",
        feed_rows: "SELECT entry_id FROM entry_feed WHERE feed_id IN ({})",
        has_note: "0",
        has_highlight: "0",
        has_tag: "EXISTS (SELECT 1 FROM entry_actor x WHERE x.entry_id = c.id)",
        // An entry belongs to a story, or credits an agency, once it has been clipped.
        story: "c.clip_id IN (SELECT id FROM clip WHERE story_id = ?)",
        wire: "c.clip_id IN (SELECT id FROM clip WHERE wire = ?)",
    };
}

/// A bound SQL parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            SqlValue::Text(s) => s.to_sql(),
            SqlValue::Int(i) => i.to_sql(),
        }
    }
}

impl Compiled {
    /// The WHERE clause over `clip c` (and `clip_fts` when [`Compiled::fts`] is set), without the
    /// keyword; `1` when there is nothing to check.
    pub fn where_sql(&self) -> String {
        let mut parts = Vec::new();
        if self.fts.is_some() {
            parts.push(format!("{} MATCH ?", self.target.fts));
        }
        // Each condition in parentheses: a condition may be an OR, and `a OR b AND c` would
        // bind as `a OR (b AND c)` (found by the query property test: `lang:en OR Putin NOT
        // Pu*` returned the English clips that say Putin).
        parts.extend(self.conditions.iter().map(|c| format!("({c})")));
        if parts.is_empty() {
            "1".to_owned()
        } else {
            parts.join(" AND ")
        }
    }

    /// The parameters in the order of [`Compiled::where_sql`].
    pub fn all_params(&self) -> Vec<SqlValue> {
        let mut out = Vec::new();
        if let Some(f) = &self.fts {
            out.push(SqlValue::Text(f.clone()));
        }
        out.extend(self.params.iter().cloned());
        out
    }
}

/// Compiles a query at time `now` (for relative dates) for the library's clips.
pub fn compile(node: &Node, now: DateTime<Utc>) -> Compiled {
    compile_for(node, now, Target::CLIPS)
}

/// Compiles a query for any target.
pub fn compile_for(node: &Node, now: DateTime<Utc>, target: Target) -> Compiled {
    let mut out = Compiled { target, ..Compiled::default() };
    if let (Node::Field(Field::TagIds(ids)), Target::CLIPS) = (node, target) {
        out.tags_only = Some(ids.clone());
    }
    let parts: Vec<&Node> = match node {
        Node::And(parts) => parts.iter().collect(),
        Node::All => Vec::new(),
        other => vec![other],
    };
    // Top-level parts that the index can answer form the MATCH; the rest become conditions.
    let mut positives = Vec::new();
    let mut negatives = Vec::new();
    for part in parts {
        match part {
            Node::Not(inner) if fts_only(inner) => negatives.push(fts_expr(inner)),
            p if fts_only(p) => positives.push(fts_expr(p)),
            p => {
                let (sql, params) = condition(p, now, &target);
                out.conditions.push(sql);
                out.params.extend(params);
            }
        }
    }
    if !positives.is_empty() {
        let mut expr = positives.join(" AND ");
        for n in negatives {
            expr = format!("({expr}) NOT {n}");
        }
        out.fts = Some(expr);
    } else {
        // FTS5 cannot answer "NOT x" alone: exclude through a subquery.
        for n in negatives {
            out.conditions.push(format!("c.id NOT IN (SELECT rowid FROM {0} WHERE {0} MATCH ?)", target.fts));
            out.params.push(SqlValue::Text(n));
        }
    }
    out
}

/// True if the index alone can answer the node (words, phrases, NEAR, and/or/not of those, with a
/// positive part in every conjunction).
fn fts_only(node: &Node) -> bool {
    match node {
        Node::Term(_) | Node::Near { .. } => true,
        Node::And(parts) => {
            parts.iter().all(|p| fts_only(p) || matches!(p, Node::Not(i) if fts_only(i)))
                && parts.iter().any(|p| !matches!(p, Node::Not(_)))
        }
        Node::Or(parts) => parts.iter().all(fts_only),
        Node::Not(_) | Node::Field(_) | Node::All => false,
    }
}

/// The FTS5 expression of an index-only node.
fn fts_expr(node: &Node) -> String {
    match node {
        Node::Term(t) => term_expr(t),
        Node::Near { terms, distance } => {
            let phrases: Vec<String> = terms.iter().map(|t| quote(&fts_prepare(t))).collect();
            format!("NEAR({}, {distance})", phrases.join(" "))
        }
        Node::And(parts) => {
            let pos: Vec<String> = parts.iter().filter(|p| !matches!(p, Node::Not(_))).map(fts_expr).collect();
            let mut expr = format!("({})", pos.join(" AND "));
            for p in parts {
                if let Node::Not(inner) = p {
                    expr = format!("({expr} NOT {})", fts_expr(inner));
                }
            }
            expr
        }
        Node::Or(parts) => format!("({})", parts.iter().map(fts_expr).collect::<Vec<_>>().join(" OR ")),
        Node::Not(_) | Node::Field(_) | Node::All => String::new(),
    }
}

fn term_expr(t: &Term) -> String {
    // A CJK word is a phrase of characters; a phrase is quoted whole.
    let mut expr = quote(&fts_prepare(&t.text));
    if t.prefix {
        expr.push_str(" *");
    }
    match t.column {
        Some(col) => format!("{col} : {expr}"),
        None => expr,
    }
}

/// An FTS5 string literal: the only way user text enters a MATCH expression.
pub(crate) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The SQL condition (on `clip c`) of any node, with its parameters.
fn condition(node: &Node, now: DateTime<Utc>, target: &Target) -> (String, Vec<SqlValue>) {
    if fts_only(node) {
        return (
            format!("c.id IN (SELECT rowid FROM {0} WHERE {0} MATCH ?)", target.fts),
            vec![SqlValue::Text(fts_expr(node))],
        );
    }
    let ids_in = |template: &str, ids: &[i64]| -> (String, Vec<SqlValue>) {
        if ids.is_empty() {
            return ("0".into(), vec![]);
        }
        let marks = vec!["?"; ids.len()].join(", ");
        (format!("c.id IN ({})", template.replace("{}", &marks)), ids.iter().map(|i| SqlValue::Int(*i)).collect())
    };
    let text = |s: &str| SqlValue::Text(s.to_owned());
    match node {
        // Index-only nodes returned above.
        Node::All | Node::Term(_) | Node::Near { .. } => ("1".into(), vec![]),
        Node::And(parts) | Node::Or(parts) => {
            let joiner = if matches!(node, Node::And(_)) { " AND " } else { " OR " };
            let mut sqls = Vec::new();
            let mut params = Vec::new();
            for p in parts {
                let (s, ps) = condition(p, now, target);
                sqls.push(format!("({s})"));
                params.extend(ps);
            }
            (sqls.join(joiner), params)
        }
        Node::Not(inner) => {
            // A condition on a missing value (`lang:en` on a clip of unknown language) is NULL,
            // and NOT NULL is NULL: the clip would match neither `lang:en` nor `-lang:en`.
            // Unknown counts as not matching, so its negation matches.
            let (s, ps) = condition(inner, now, target);
            (format!("NOT coalesce(({s}), 0)"), ps)
        }
        Node::Field(f) => match f {
            Field::Lang(l) => ("c.lang = ?".into(), vec![text(l)]),
            // Unresolved names (compiled without a library at hand; `saved::expand` resolves them
            // to ids first): the same meaning, resolved inside the SQL.
            Field::Topic(name) => (
                // The topic named (or at the path given), and every topic below it.
                format!(
                    "c.id IN ({})",
                    target.tag_rows.replace(
                        "{}",
                        "WITH RECURSIVE path(id, name, p, depth) AS (
                            SELECT id, name, name, 0 FROM tag WHERE kind = 'topic' AND parent_id IS NULL
                            UNION ALL SELECT t.id, t.name, path.p || '/' || t.name, path.depth + 1
                            FROM tag t JOIN path ON t.parent_id = path.id WHERE path.depth < 64),
                        sub(id, depth) AS (
                            SELECT id, 0 FROM path WHERE p = ? COLLATE NOCASE OR name = ? COLLATE NOCASE
                            UNION SELECT t.id, sub.depth + 1 FROM tag t JOIN sub ON t.parent_id = sub.id
                            WHERE sub.depth < 64)
                        SELECT id FROM sub"
                    )
                ),
                vec![text(name), text(name)],
            ),
            Field::Actor(name) => (
                format!(
                    "c.id IN ({})",
                    target.tag_rows.replace(
                        "{}",
                        "SELECT id FROM tag WHERE kind = 'actor' AND name = ? COLLATE NOCASE
                         UNION SELECT a.tag_id FROM tag_alias a JOIN tag t ON t.id = a.tag_id
                         WHERE t.kind = 'actor' AND a.norm = ?"
                    )
                ),
                vec![text(name), text(&crate::text::fold(name))],
            ),
            // Not expanded (no library at hand): matches nothing rather than everything.
            Field::Saved(_) | Field::Feed(_) | Field::Folder(_) => ("0".into(), vec![]),
            Field::TagIds(ids) => ids_in(target.tag_rows, ids),
            Field::FeedIds(ids) => ids_in(target.feed_rows, ids),
            Field::HasNote => (target.has_note.into(), vec![]),
            Field::HasHighlight => (target.has_highlight.into(), vec![]),
            Field::HasTag => (target.has_tag.into(), vec![]),
            Field::Story(id) => (target.story.into(), vec![SqlValue::Int(*id)]),
            Field::Wire(code) => (target.wire.into(), vec![text(code)]),
            Field::After(b) => ("c.published_at >= ?".into(), vec![text(&db_time(b.resolve(now)))]),
            Field::Before(b) => ("c.published_at < ?".into(), vec![text(&db_time(b.resolve(now)))]),
            Field::Clipped(from, to) => match to {
                Some(to) => (
                    format!("(c.{0} >= ? AND c.{0} < ?)", target.added),
                    vec![text(&db_time(from.resolve(now))), text(&db_time(to.resolve(now)))],
                ),
                None => (format!("c.{} >= ?", target.added), vec![text(&db_time(from.resolve(now)))]),
            },
        },
    }
}

fn db_time(t: DateTime<Utc>) -> String {
    crate::model::time_to_db(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2016, 7, 10, 12, 0, 0).unwrap()
    }

    /// Checks the MATCH expression and the SQL conditions a query compiles to.
    fn check(input: &str, fts: Option<&str>, conditions: &[&str], params: &[&str]) {
        let node = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let c = compile(&node, now());
        assert_eq!(c.fts.as_deref(), fts, "fts of {input:?}");
        let got: Vec<String> =
            c.conditions.iter().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        for (got, want) in got.iter().zip(conditions) {
            assert!(got.starts_with(want), "condition of {input:?}: {got:?} does not start with {want:?}");
        }
        assert_eq!(got.len(), conditions.len(), "conditions of {input:?}: {got:?}");
        let got_params: Vec<String> = c
            .params
            .iter()
            .map(|p| match p {
                SqlValue::Text(s) => s.clone(),
                SqlValue::Int(i) => i.to_string(),
            })
            .collect();
        assert_eq!(got_params, params, "params of {input:?}");
    }

    fn check_err(input: &str, position: usize, message: &str) {
        match parse(input) {
            Ok(node) => panic!("{input:?} parsed as {node:?}, expected an error"),
            Err(e) => {
                assert_eq!(e.position, position, "position for {input:?}: {e}");
                assert!(e.message.contains(message), "message for {input:?}: {:?} lacks {message:?}", e.message);
            }
        }
    }

    #[test]
    fn words_phrases_and_operators() {
        check("Kremlin", Some("\"Kremlin\""), &[], &[]);
        check("Putin Obama", Some("\"Putin\" AND \"Obama\""), &[], &[]);
        check("\"better coordination\"", Some("\"better coordination\""), &[], &[]);
        check("“curly quotes”", Some("\"curly quotes\""), &[], &[]);
        check("Putin OR Medvedev", Some("(\"Putin\" OR \"Medvedev\")"), &[], &[]);
        check("sanction*", Some("\"sanction\" *"), &[], &[]);
        check("Syria -Aleppo", Some("(\"Syria\") NOT \"Aleppo\""), &[], &[]);
        check("Syria AND NOT Aleppo", Some("(\"Syria\") NOT \"Aleppo\""), &[], &[]);
        check("(Putin OR Medvedev) Kremlin", Some("(\"Putin\" OR \"Medvedev\") AND \"Kremlin\""), &[], &[]);
        check("NEAR(Putin Obama, 5)", Some("NEAR(\"Putin\" \"Obama\", 5)"), &[], &[]);
        check("NEAR(Putin \"Barack Obama\")", Some("NEAR(\"Putin\" \"Barack Obama\", 10)"), &[], &[]);
        check("Nagorno-Karabakh", Some("\"Nagorno-Karabakh\""), &[], &[]);
        check("Путин", Some("\"Путин\""), &[], &[]);
        check("普京", Some("\"普\u{2009}京\""), &[], &[]);
        check("", None, &[], &[]);
        check("   ", None, &[], &[]);
    }

    #[test]
    fn hostile_text_stays_inside_quotes() {
        check("\"x) OR (y NOT z*\"", Some("\"x) OR (y NOT z*\""), &[], &[]);
        check("title:\"a\" b", Some("title : \"a\" AND \"b\""), &[], &[]);
        check("'; DROP TABLE clip; --", Some("\"DROP\" AND \"TABLE\" AND \"clip;\""), &[], &[]);
        check("Putin – Obama", Some("\"Putin\" AND \"Obama\""), &[], &[]);
        // Regression (found by fuzzing): a NUL inside a word ended FTS5's quoted string early,
        // and SQLite failed with "unterminated string".
        check("Krem\0\0lin", Some("\"Krem\" AND \"lin\""), &[], &[]);
        check("\"Krem\0lin\"", Some("\"Krem lin\""), &[], &[]);
        check("title:S\n\0ap", Some("title : \"S\" AND \"ap\""), &[], &[]);
    }

    #[test]
    fn fields() {
        check("title:Syria", Some("title : \"Syria\""), &[], &[]);
        check("author:\"Robert Burns\"", Some("authors : \"Robert Burns\""), &[], &[]);
        check("lang:RU Путин", Some("\"Путин\""), &["c.lang = ?"], &["ru"]);
        check("site:reuters", Some("site : \"reuters\""), &[], &[]);
        check("site:reuters.com", Some("site : \"reuters.com\""), &[], &[]);
        check(
            "topic:Syria/Aleppo",
            None,
            &["c.id IN (SELECT clip_id FROM clip_tag WHERE tag_id IN (WITH"],
            &["Syria/Aleppo", "Syria/Aleppo"],
        );
        check(
            "actor:Путин",
            None,
            &["c.id IN (SELECT clip_id FROM clip_tag WHERE tag_id IN (SELECT id FROM tag"],
            &["Путин", "путин"],
        );
        check("has:note", None, &["(c.note IS NOT NULL"], &[]);
        check("story:42", None, &["c.story_id = ?"], &["42"]);
        check("wire:AP Kremlin", Some("\"Kremlin\""), &["c.wire = ?"], &["ap"]);
        check("wire:\"Associated Press\"", None, &["c.wire = ?"], &["ap"]);
        check("wire:Reuters OR wire:afp", None, &["(c.wire = ?) OR (c.wire = ?)"], &["reuters", "afp"]);
        check("has:highlight", None, &["EXISTS (SELECT 1 FROM highlight"], &[]);
        check("after:2016-06-01", None, &["c.published_at >= ?"], &["2016-06-01T00:00:00Z"]);
        check(
            "after:2016-06 before:2017",
            None,
            &["c.published_at >= ?", "c.published_at < ?"],
            &["2016-06-01T00:00:00Z", "2017-01-01T00:00:00Z"],
        );
        check("clipped:7d", None, &["c.clipped_at >= ?"], &["2016-07-03T12:00:00Z"]);
        check(
            "clipped:2016-06-01..2016-07-01",
            None,
            &["(c.clipped_at >= ? AND c.clipped_at < ?)"],
            &["2016-06-01T00:00:00Z", "2016-07-01T00:00:00Z"],
        );
        check(
            "Nagorno-Karabakh after:2016-06 actor:Kremlin",
            Some("\"Nagorno-Karabakh\""),
            &["c.published_at >= ?", "c.id IN (SELECT clip_id FROM clip_tag WHERE tag_id IN (SELECT id FROM tag"],
            &["2016-06-01T00:00:00Z", "Kremlin", "kremlin"],
        );
    }

    #[test]
    fn mixed_boolean_structure_falls_back_to_conditions() {
        check(
            "Syria OR topic:Syria",
            None,
            &["(c.id IN (SELECT rowid FROM clip_fts WHERE clip_fts MATCH ?)) OR (c.id IN (SELECT clip_id FROM clip_tag"],
            &["\"Syria\"", "Syria", "Syria"],
        );
        check(
            "NOT Aleppo",
            None,
            &["c.id NOT IN (SELECT rowid FROM clip_fts WHERE clip_fts MATCH ?)"],
            &["\"Aleppo\""],
        );
        check("-lang:en", None, &["NOT coalesce((c.lang = ?), 0)"], &["en"]);
        check(
            "Syria OR Aleppo OR Damascus NOT \"Syria, New York\"",
            Some("((\"Syria\" OR \"Aleppo\" OR \"Damascus\")) NOT \"Syria, New York\""),
            &[],
            &[],
        );
        check("Putin AND NOT Obama OR Medvedev", Some("(((\"Putin\") NOT \"Obama\") OR \"Medvedev\")"), &[], &[]);
    }

    fn word(w: &str) -> Node {
        Node::Term(Term { text: w.into(), phrase: false, prefix: false, column: None })
    }
    fn not(n: Node) -> Node {
        Node::Not(Box::new(n))
    }

    /// Regression: after `NOT term` the parser expected an operator or the end, so the most
    /// ordinary analyst query failed with `query.syntax`.
    #[test]
    fn implicit_and_goes_on_after_not() {
        for (input, expected) in [
            ("Putin NOT Erdogan Medvedev", Node::And(vec![word("Putin"), not(word("Erdogan")), word("Medvedev")])),
            (
                "Putin NOT Erdogan NOT Путин NOT 普京 Medvedev",
                Node::And(vec![
                    word("Putin"),
                    not(word("Erdogan")),
                    not(word("Путин")),
                    not(word("普京")),
                    word("Medvedev"),
                ]),
            ),
            (
                "Putin NOT Erdogan OR Medvedev",
                Node::And(vec![word("Putin"), not(Node::Or(vec![word("Erdogan"), word("Medvedev")]))]),
            ),
            ("Putin NOT Erdogan AND Medvedev", Node::And(vec![word("Putin"), not(word("Erdogan")), word("Medvedev")])),
            (
                "Putin NOT Erdogan Medvedev OR Lavrov",
                Node::And(vec![word("Putin"), not(word("Erdogan")), Node::Or(vec![word("Medvedev"), word("Lavrov")])]),
            ),
            ("(a NOT b) c", Node::And(vec![Node::And(vec![word("a"), not(word("b"))]), word("c")])),
            ("-Erdogan Putin", Node::And(vec![not(word("Erdogan")), word("Putin")])),
        ] {
            assert_eq!(parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}")), expected, "{input:?}");
        }
        check_err("Putin NOT Erdogan AND", 18, "expected a term after AND");
        check_err("Putin NOT Erdogan OR", 18, "expected a term after OR");
    }

    #[test]
    fn rewriting_a_field_keeps_the_rest_as_typed() {
        let rename = |v: &str| (v.eq_ignore_ascii_case("syria")).then(|| "Syrian war".to_owned());
        for (input, expected) in [
            ("topic:Syria", "topic:\"Syrian war\""),
            ("  Aleppo   topic:syria -topic:Iraq  ", "  Aleppo   topic:\"Syrian war\" -topic:Iraq  "),
            (
                "(topic:\"Syria\" OR Путин) NOT topic:Syria/Aleppo",
                "(topic:\"Syrian war\" OR Путин) NOT topic:Syria/Aleppo",
            ),
            ("title:Syria Syria", "title:Syria Syria"),
            ("\"unbalanced", "\"unbalanced"),
        ] {
            assert_eq!(rewrite_field(input, "topic", rename), expected, "{input:?}");
        }
        assert_eq!(rewrite_field("topic:a", "topic", |_| Some("x\"y".into())), "topic:«x\"y»");
        assert_eq!(rewrite_field("topic:a", "topic", |_| Some("Energy/Oil".into())), "topic:Energy/Oil");
    }

    #[test]
    fn errors_name_position_and_expectation() {
        check_err("\"Putin", 0, "unbalanced quote");
        check_err("Putin \"Obama", 6, "unbalanced quote");
        check_err("(Putin OR Obama", 0, "expected ')'");
        check_err("Putin)", 5, "unbalanced ')'");
        check_err("Putin OR", 6, "expected a term after OR");
        check_err("AND Putin", 0, "expected a term before AND");
        check_err("NOT", 0, "expected a term after NOT");
        check_err("NEAR(Putin, 5)", 0, "at least two terms");
        check_err("NEAR(Putin Obama, x)", 18, "expected a distance");
        check_err("after:yesterday", 6, "expected a date");
        check_err("auther:Burns", 0, "unknown field 'auther:'");
        check_err("has:everything", 4, "unknown has:everything");
        check_err("story:latest", 6, "expected a story number");
        check_err("()", 1, "expected a term inside the parentheses");
        check_err("!!!", 0, "expected a word");
        check_err(&"(".repeat(30), 21, "too deeply nested");
        check_err(&"x ".repeat(5000), MAX_QUERY_CHARS, "query too long");
    }

    #[test]
    fn unknown_colon_words_are_searched() {
        check("10:30", Some("\"10:30\""), &[], &[]);
        check("https://example.com", Some("\"https://example.com\""), &[], &[]);
    }
}
