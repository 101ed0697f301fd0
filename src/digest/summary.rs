//! Extractive summaries: the two to four sentences that best represent an article, in its own
//! language and its own words.
//!
//! The method is centroid-based sentence ranking (Radev et al., "Centroid-based summarization of
//! multiple documents", 2004) with two adjustments that matter for news:
//! - **Centroid similarity.** Each sentence is scored by the cosine similarity of its term
//!   vector to the article's centroid (term frequencies weighted by how concentrated each term is
//!   in few sentences, a within-document IDF). Sentences that carry the article's recurring
//!   subject matter score high; asides, quotes about something else and furniture score low.
//! - **Position prior.** News is written as an inverted pyramid, so the lead carries more
//!   weight: score × (1 + 0.5 / (1 + position)). Unlike "take the first lines", a lead that is a
//!   dateline or a scene-setting anecdote loses to a later sentence that states the story.
//! - **Redundancy.** Sentences are picked greedily by maximal marginal relevance (Carbonell &
//!   Goldstein, 1998): a candidate's score is reduced by its similarity to sentences already
//!   chosen, so two sentences saying the same thing are not both picked.
//!
//! Words are Unicode word runs, lower-cased; Chinese and Japanese are split into characters
//! (single characters as terms work for centroid similarity). Very short and very long sentences
//! are skipped. The chosen sentences are returned in article order.

use std::collections::HashMap;

use crate::text::is_cjk;

/// Splits text into sentences, keeping their original wording.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let para = crate::text::collapse_ws(para);
        let chars: Vec<char> = para.chars().collect();
        let mut start = 0;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let end_here = match c {
                '。' | '！' | '？' => true,
                '.' | '!' | '?' => {
                    let next = chars.get(i + 1).copied();
                    let after = chars.get(i + 2).copied();
                    let closes = next.is_some_and(|n| matches!(n, '"' | '”' | '’' | '\'' | ')' | '»'));
                    let space_then_cap = |j: usize| {
                        chars.get(j).is_some_and(|n| n.is_whitespace())
                            && chars.get(j + 1).is_some_and(|n| n.is_uppercase() || !n.is_alphabetic())
                    };
                    (next.is_none() || space_then_cap(i + 1) || (closes && (after.is_none() || space_then_cap(i + 2))))
                        && !is_abbreviation(&chars[start..i])
                }
                _ => false,
            };
            if end_here {
                // Include closing quotes and brackets.
                let mut j = i + 1;
                while j < chars.len() && matches!(chars[j], '"' | '”' | '’' | '\'' | ')' | '»' | '」' | '』') {
                    j += 1;
                }
                let s: String = chars[start..j].iter().collect::<String>().trim().to_owned();
                if !s.is_empty() {
                    out.push(s);
                }
                start = j;
                i = j;
                continue;
            }
            i += 1;
        }
        let rest: String = chars[start..].iter().collect::<String>().trim().to_owned();
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// "Mr.", "U.S.", "Gen.", "Jan.": a dot that does not end a sentence.
fn is_abbreviation(before: &[char]) -> bool {
    let word: String =
        before.iter().rev().take_while(|c| !c.is_whitespace()).collect::<Vec<_>>().into_iter().rev().collect();
    let letters = word.trim_start_matches(['(', '"', '“']);
    if letters.chars().count() <= 1 {
        return true; // an initial
    }
    if letters.contains('.') {
        return true; // U.S, a.m
    }
    matches!(
        letters,
        "Mr" | "Mrs"
            | "Ms"
            | "Dr"
            | "Prof"
            | "Gen"
            | "Col"
            | "Lt"
            | "Sgt"
            | "Capt"
            | "Gov"
            | "Sen"
            | "Rep"
            | "St"
            | "Jr"
            | "Sr"
            | "Inc"
            | "Corp"
            | "Co"
            | "Ltd"
            | "No"
            | "vs"
            | "etc"
            | "Jan"
            | "Feb"
            | "Mar"
            | "Apr"
            | "Jun"
            | "Jul"
            | "Aug"
            | "Sep"
            | "Sept"
            | "Oct"
            | "Nov"
            | "Dec"
            | "Mt"
            | "Ft"
            | "Rev"
            | "Adm"
            | "Maj"
            | "Cmdr"
    )
}

fn terms(sentence: &str) -> Vec<String> {
    let mut out = crate::text::folded_words(sentence);
    // Very short words carry little subject matter in alphabetic scripts.
    out.retain(|w| w.chars().count() > 2 || w.chars().any(is_cjk));
    out
}

type Vector = HashMap<String, f64>;

fn cosine(a: &Vector, b: &Vector) -> f64 {
    let dot: f64 = a.iter().filter_map(|(k, v)| b.get(k).map(|w| v * w)).sum();
    let norm = |v: &Vector| v.values().map(|x| x * x).sum::<f64>().sqrt();
    let n = norm(a) * norm(b);
    if n == 0.0 {
        0.0
    } else {
        dot / n
    }
}

/// The 2–4 most representative sentences of `text` (fewer for short articles), in article order.
pub fn summarize(text: &str, max_sentences: usize) -> Vec<String> {
    let all = sentences(text);
    let candidates: Vec<(usize, &String)> = all
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            let n = crate::text::word_count(s);
            (6..=80).contains(&n) && !s.ends_with(':')
        })
        .collect();
    if candidates.is_empty() {
        return all.into_iter().take(1).collect();
    }
    let want = max_sentences.clamp(1, 4).min(match candidates.len() {
        0..=3 => 1,
        4..=8 => 2,
        9..=20 => 3,
        _ => 4,
    });
    // Term frequency per sentence and in how many sentences each term occurs.
    let vectors: Vec<Vector> = candidates
        .iter()
        .map(|(_, s)| {
            let mut v = Vector::new();
            for t in terms(s) {
                *v.entry(t).or_default() += 1.0;
            }
            v
        })
        .collect();
    let mut df: HashMap<&str, f64> = HashMap::new();
    for v in &vectors {
        for k in v.keys() {
            *df.entry(k.as_str()).or_default() += 1.0;
        }
    }
    let n = vectors.len() as f64;
    let idf = |t: &str| (1.0 + n / df.get(t).copied().unwrap_or(1.0)).ln();
    let weighted: Vec<Vector> =
        vectors.iter().map(|v| v.iter().map(|(k, tf)| (k.clone(), tf * idf(k))).collect()).collect();
    let mut centroid = Vector::new();
    for v in &weighted {
        for (k, w) in v {
            *centroid.entry(k.clone()).or_default() += w;
        }
    }
    // Only the terms that recur across the article define its subject.
    centroid.retain(|k, _| df.get(k.as_str()).copied().unwrap_or(0.0) >= 2.0);
    let base: Vec<f64> =
        weighted.iter().enumerate().map(|(i, v)| cosine(v, &centroid) * (1.0 + 0.5 / (1.0 + i as f64))).collect();
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < want {
        let best = (0..weighted.len())
            .filter(|i| !chosen.contains(i))
            .map(|i| {
                let redundancy = chosen.iter().map(|&j| cosine(&weighted[i], &weighted[j])).fold(0.0, f64::max);
                (i, 0.7 * base[i] - 0.3 * redundancy)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => chosen.push(i),
            None => break,
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|i| candidates[i].1.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_sentences(text: &str, expected: &[&str]) {
        assert_eq!(sentences(text), expected, "text: {text}");
    }

    #[test]
    fn sentence_splitting() {
        check_sentences("Putin called Obama. The Kremlin said so.", &["Putin called Obama.", "The Kremlin said so."]);
        check_sentences(
            "U.S. President Barack Obama met Mr. Putin on Jan. 5 in Washington. They talked.",
            &["U.S. President Barack Obama met Mr. Putin on Jan. 5 in Washington.", "They talked."],
        );
        check_sentences("“We agree,” he said. “We do.”", &["“We agree,” he said.", "“We do.”"]);
        check_sentences(
            "普京与奥巴马通电话。双方讨论了叙利亚局势。",
            &["普京与奥巴马通电话。", "双方讨论了叙利亚局势。"],
        );
        check_sentences("First paragraph ends here\n\nSecond one.", &["First paragraph ends here", "Second one."]);
    }

    #[test]
    fn summaries_pick_the_story_not_the_anecdote() {
        let text = "It was a cold morning in the village and the bakery opened late.\n\n\
            The city council approved a new water plan on Tuesday, ending a year of debate over the water mains.\n\n\
            Under the water plan, the council will borrow money to replace the water mains beneath Elm Street.\n\n\
            Residents will see water bills rise by four dollars a month under the plan the council approved.\n\n\
            A local band played at the fair on Saturday and children rode ponies.\n\n\
            Two council members voted against the water plan, saying the council should have sought a grant.";
        let summary = summarize(text, 3);
        assert!((2..=3).contains(&summary.len()), "{summary:?}");
        for s in &summary {
            assert!(crate::text::collapse_ws(text).contains(s.as_str()), "not a sentence of the article: {s}");
            assert!(!s.contains("bakery") && !s.contains("ponies"), "picked an aside: {s}");
        }
    }
}
