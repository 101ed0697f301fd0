//! What a text is about, as terms a story can be recognised by in any outlet and language.
//!
//! A text becomes a list of [`Token`]s: words cut to their first six letters (a cheap stemmer that
//! joins "Putin", "Putins" and "Putina" in languages that inflect), pairs of characters for Chinese
//! and Japanese (which have no spaces), numbers with their separators removed ("15.000" and
//! "15,000" are one number), and for every capitalised word that does not start a sentence — a
//! name — a *skeleton*: the name transliterated to Latin letters, its first letter and then its
//! consonants ("Путина" → "putina" → `ptn`, "Poutine" → `ptn`, "Putin" → `ptn`). Names, numbers
//! and actors are *entities*: the language-independent part of a text, which is what joins the
//! Russian and the English report of one event.
//!
//! Sentences of web furniture (cookie notices, newsletter sign-ups) are skipped: pages of one site
//! share them, and they would make unrelated articles of that site look alike.

/// How many tokens of the body after the title are read: the lead says what the story is.
pub const LEAD_TOKENS: usize = 150;
/// Words are cut to this many characters.
pub const STEM_CHARS: usize = 6;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// Two Chinese or Japanese characters.
    Cjk,
    Number,
    /// The skeleton of a name.
    Name,
    /// A tagged actor (added by the signature, not found here).
    Actor,
}

/// One term of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// The term's key: a stable hash of its kind and text.
    pub key: u64,
    pub kind: Kind,
    /// A name's skeleton, a number or an actor: the same in every language.
    pub entity: bool,
    /// A number that says something about one event (a count, an amount, a decimal), not a year
    /// or a day of the month.
    pub significant: bool,
}

/// A stable 64-bit hash (FNV-1a, then a finalizer for well-mixed bits): keys are stored, so they
/// must not change between versions or machines.
pub fn stable_hash(tag: u8, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(tag).chain(text.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// splitmix64's finalizer.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key of an actor's term.
pub fn actor_key(tag_id: i64) -> u64 {
    stable_hash(b'a', &tag_id.to_string())
}

/// The tokens of `text`, at most `limit` of them (names' skeletons not counted).
pub fn tokens(text: &str, limit: usize, skip_furniture: bool) -> Vec<Token> {
    let mut out = Vec::new();
    let mut counted = 0;
    for sentence in sentences(text) {
        if counted >= limit {
            break;
        }
        if skip_furniture && is_furniture(sentence) {
            continue;
        }
        sentence_tokens(sentence, limit, &mut counted, &mut out);
    }
    out
}

/// The lead of `text`: its sentences up to the one in which [`tokens`] with `limit` stops reading
/// (the same span the signature's body terms come from).
pub fn lead(text: &str, limit: usize) -> &str {
    let mut counted = 0;
    let mut end = 0;
    let mut scratch = Vec::new();
    for sentence in sentences(text) {
        if counted >= limit {
            break;
        }
        // `sentence` is a sub-slice of `text`: its end is a char boundary of `text`.
        end = sentence.as_ptr() as usize - text.as_ptr() as usize + sentence.len();
        if is_furniture(sentence) {
            continue;
        }
        scratch.clear();
        sentence_tokens(sentence, limit, &mut counted, &mut scratch);
    }
    text.get(..end).unwrap_or(text)
}

/// Sentences and lines: split after `.`, `!`, `?` followed by white space, after `。！？`, and at
/// line ends.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut chars = rest.char_indices().peekable();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
            let stop = match c {
                '\n' => true,
                '.' | '!' | '?' => next_is_space,
                '。' | '！' | '？' => true,
                _ => false,
            };
            if stop {
                end = i + c.len_utf8();
                break;
            }
        }
        let (sentence, tail) = rest.split_at(end);
        rest = tail;
        Some(sentence)
    })
}

/// Words that only web furniture uses, folded: a sentence naming one is not the article's.
const FURNITURE: &[&str] = &[
    "cookie",
    "javascript",
    "newsletter",
    "datenschutz",
    "privacy",
    "website",
    "webseite",
    "boletin",
    "suscri",
    "abonn",
    "inscriv",
    "zaloguj",
    "cerez",
    "subscribe",
    "sign up",
    "all rights reserved",
];

fn is_furniture(sentence: &str) -> bool {
    // Most sentences are ASCII-foldable: check cheaply before folding.
    let folded = crate::text::fold(sentence);
    FURNITURE.iter().any(|f| folded.contains(f))
}

/// A run of characters of one sort inside a sentence.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Run {
    None,
    Cjk,
    Alnum,
}

fn sentence_tokens(sentence: &str, limit: usize, counted: &mut usize, out: &mut Vec<Token>) {
    let chars: Vec<char> = sentence.chars().collect();
    let mut i = 0;
    let mut first_word = true;
    while i < chars.len() && *counted < limit {
        let c = chars[i];
        let run = if crate::text::is_cjk(c) {
            Run::Cjk
        } else if c.is_alphanumeric() {
            Run::Alnum
        } else {
            Run::None
        };
        match run {
            Run::None => i += 1,
            Run::Cjk => {
                let start = i;
                while i < chars.len() && crate::text::is_cjk(chars[i]) {
                    i += 1;
                }
                let run = &chars[start..i];
                if run.len() == 1 {
                    out.push(cjk_token(run));
                    *counted += 1;
                } else {
                    for pair in run.windows(2) {
                        if *counted >= limit {
                            break;
                        }
                        out.push(cjk_token(pair));
                        *counted += 1;
                    }
                }
                first_word = false;
            }
            Run::Alnum => {
                let start = i;
                let mut separators = false;
                while i < chars.len() {
                    let ch = chars[i];
                    if ch.is_alphanumeric() && !crate::text::is_cjk(ch) {
                        i += 1;
                    } else if matches!(ch, '.' | ',' | '\u{a0}' | '\u{202f}' | '\'' | '’' | '٫' | '٬')
                        && i > start
                        && ascii_digit(chars[i - 1]).is_some()
                        && chars.get(i + 1).is_some_and(|n| ascii_digit(*n).is_some())
                    {
                        // 15.000, 1,730.50, 15 000 written with a no-break space.
                        separators = true;
                        i += 1;
                    } else {
                        break;
                    }
                }
                let word: String = chars[start..i].iter().collect();
                let initial = first_word;
                first_word = false;
                if let Some(t) = word_tokens(&word, separators, initial, out) {
                    *counted += t;
                }
            }
        }
    }
}

/// A digit in any of the scripts news is written in (Arabic-Indic, Persian, full-width) as ASCII.
fn ascii_digit(c: char) -> Option<char> {
    let zero = match c {
        '0'..='9' => '0',
        '\u{660}'..='\u{669}' => '\u{660}',
        '\u{6f0}'..='\u{6f9}' => '\u{6f0}',
        '\u{ff10}'..='\u{ff19}' => '\u{ff10}',
        _ => return None,
    };
    char::from_digit(c as u32 - zero as u32, 10)
}

fn cjk_token(chars: &[char]) -> Token {
    let s: String = chars.iter().collect();
    Token { key: stable_hash(b'c', &s), kind: Kind::Cjk, entity: false, significant: false }
}

/// Adds the tokens of one word; returns how many count toward the limit.
fn word_tokens(word: &str, separators: bool, sentence_initial: bool, out: &mut Vec<Token>) -> Option<usize> {
    if word.chars().all(|c| ascii_digit(c).is_some() || !c.is_alphanumeric()) {
        let digits: String = word.chars().filter_map(ascii_digit).collect();
        if digits.len() < 2 {
            return None;
        }
        let year = digits.len() == 4 && digits.parse::<u32>().is_ok_and(|y| (1900..=2099).contains(&y));
        out.push(Token {
            key: stable_hash(b'n', &digits),
            kind: Kind::Number,
            entity: true,
            significant: !year && (separators || digits.len() >= 3),
        });
        return Some(1);
    }
    let folded = crate::text::fold(word);
    if folded.chars().count() < 2 {
        return None;
    }
    let stem: String = folded.chars().take(STEM_CHARS).collect();
    let capitalised = word.chars().next().is_some_and(char::is_uppercase);
    // The word itself is the language's; a name's skeleton is every language's.
    out.push(Token { key: stable_hash(b'w', &stem), kind: Kind::Word, entity: false, significant: false });
    if capitalised && !sentence_initial {
        let skeleton = skeleton(&transliterate(&folded));
        if skeleton.chars().count() >= 3 {
            out.push(Token { key: stable_hash(b's', &skeleton), kind: Kind::Name, entity: true, significant: false });
        }
    }
    Some(1)
}

/// Cyrillic and Greek letters in Latin, as news agencies write names (folded, lower-case input).
pub fn transliterate(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    let chars: Vec<char> = folded.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // дж is the English j (Джонсон, Джо).
        if c == 'д' && chars.get(i + 1) == Some(&'ж') {
            out.push('j');
            i += 2;
            continue;
        }
        let latin = match c {
            'а' | 'α' => "a",
            'б' | 'β' => "b",
            'в' => "v",
            'г' | 'ґ' | 'γ' => "g",
            'д' | 'δ' => "d",
            'е' | 'э' | 'є' | 'ε' => "e",
            'ж' => "zh",
            'з' | 'ζ' => "z",
            'и' | 'й' | 'і' | 'ї' | 'ι' | 'η' => "i",
            'к' | 'κ' => "k",
            'л' | 'λ' => "l",
            'м' | 'μ' => "m",
            'н' | 'ν' => "n",
            'о' | 'ο' | 'ω' => "o",
            'п' | 'π' => "p",
            'р' | 'ρ' => "r",
            'с' | 'σ' | 'ς' => "s",
            'т' | 'τ' => "t",
            'у' | 'ў' => "u",
            'ф' | 'φ' => "f",
            'х' | 'χ' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' | 'υ' => "y",
            'ю' => "yu",
            'я' => "ya",
            'θ' => "th",
            'ξ' => "x",
            'ψ' => "ps",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(latin);
        i += 1;
    }
    out
}

/// A name's consonant skeleton: its first letter, then its consonants with the spellings that
/// vary between languages unified (c/k/q, z/s, v/w, no h), doubles collapsed.
pub fn skeleton(latin: &str) -> String {
    let unify = |c: char| match c {
        'c' | 'q' => 'k',
        'z' => 's',
        'w' => 'v',
        'j' => 'j',
        other => other,
    };
    let mut out = String::new();
    let mut last = None;
    for (i, c) in latin.chars().filter(|c| c.is_ascii_alphabetic()).enumerate() {
        let c = unify(c);
        if i == 0 {
            out.push(c);
            last = Some(c);
            continue;
        }
        if matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h') {
            continue;
        }
        if last == Some(c) {
            continue;
        }
        out.push(c);
        last = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_skeleton(name: &str, expected: &str) {
        assert_eq!(skeleton(&transliterate(&crate::text::fold(name))), expected, "{name}");
    }

    #[test]
    fn names_have_one_skeleton_in_every_script() {
        for (name, expected) in [
            ("Putin", "ptn"),
            ("Путина", "ptn"),
            ("Poutine", "ptn"),
            ("Trump", "trmp"),
            ("Трамп", "trmp"),
            ("Джонсон", "jnsn"),
            ("Johnson", "jnsn"),
            ("Macron", "mkrn"),
            ("Макрон", "mkrn"),
            ("Эрдоган", "erdgn"),
            ("Erdoğan", "erdgn"),
            ("Зеленский", "slnsk"),
            ("Zelensky", "slnsk"),
            ("Навальный", "nvln"),
            ("Navalny", "nvln"),
            ("Τσίπρας", "tsprs"),
            ("Tsipras", "tsprs"),
        ] {
            check_skeleton(name, expected);
        }
    }

    fn kinds(text: &str) -> Vec<(Kind, bool, bool)> {
        tokens(text, usize::MAX, true).into_iter().map(|t| (t.kind, t.entity, t.significant)).collect()
    }

    #[test]
    fn tokens_of_words_names_numbers_and_cjk() {
        use Kind::*;
        // "The" starts the sentence; "Kremlin" is a name; 15,000 is a count; 2016 a year.
        assert_eq!(
            kinds("The Kremlin said 15,000 troops left in 2016."),
            [
                (Word, false, false),
                (Word, false, false),
                (Name, true, false),
                (Word, false, false),
                (Number, true, true),
                (Word, false, false),
                (Word, false, false),
                (Word, false, false),
                (Number, true, false),
            ]
        );
        assert_eq!(kinds("普京与奥巴马"), vec![(Cjk, false, false); 5]);
        // German and English thousands separators give one number.
        let n = |s: &str| tokens(s, usize::MAX, true).into_iter().find(|t| t.kind == Number).map(|t| t.key);
        assert_eq!(n("rund 15.000 Menschen"), n("some 15,000 people"));
        assert_eq!(n("2,5 Prozent"), n("2.5 percent"));
        // Furniture sentences are skipped; the limit counts tokens.
        assert!(kinds("We use cookies to improve our website.").is_empty());
        assert_eq!(tokens("one two three four", 2, true).len(), 2);
    }

    #[test]
    fn sentences_split_at_ends_not_inside_numbers() {
        let got: Vec<&str> = sentences("It rose 8.3 points. Then fell!\nNext line。后").collect();
        assert_eq!(got, ["It rose 8.3 points.", " Then fell!", "\n", "Next line。", "后"]);
    }
}
