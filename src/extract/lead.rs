//! The lead (standfirst): the paragraph under the headline that sums the story up.
//!
//! Pages often print it in the article's header, beside the headline and the byline, outside the
//! block that holds the body; the content block then starts with the second paragraph. Pages also
//! give it as their description (`og:description`, `description`), so it can be told from other
//! header text: the lead is the block whose text begins with the description. It is added to the
//! article when the body lacks it and it comes before the body in the page.

use dom_query::{Document, NodeRef};

use crate::text::{collapse_ws, word_count};

/// A lead shorter than this is a tagline, not a paragraph.
const MIN_WORDS: usize = 8;

/// How many characters of a paragraph identify it.
const KEY_CHARS: usize = 60;

/// The lead found in a page, and where the page's paragraphs are, to tell whether the lead comes
/// before the body.
#[derive(Debug, Default)]
pub struct Lead {
    text: String,
    /// Position of the lead's block among the body's elements.
    position: usize,
    /// The first characters of each paragraph of the page, with its position.
    paragraphs: Vec<(String, usize)>,
}

/// The first `n` characters of `s`.
fn key(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Finds the block whose text is the page's `description`, before the body is chosen (the choice
/// changes the document).
pub fn find(doc: &Document, description: Option<&str>) -> Option<Lead> {
    let description = collapse_ws(description?);
    let description = description.trim_end_matches(['…', '.', ' ']).trim_end_matches("[").trim_end();
    if word_count(description) < MIN_WORDS {
        return None;
    }
    let start = key(description, KEY_CHARS);
    // The text node the lead starts in begins with the description's first words.
    let opening = key(&start, 24);
    let limit = description.chars().count() * 3 / 2 + 40;
    let body = doc.select("body");
    let body = body.nodes().first()?;
    let mut lead: Option<(String, usize)> = None;
    let mut paragraphs = Vec::new();
    // The first word, to skip most text nodes without collapsing their white space.
    let first_word = opening.split(' ').next().unwrap_or("");
    for (position, node) in body.descendants_it().enumerate() {
        if node.is_text() {
            if lead.is_none() {
                let text = node.text();
                if text.trim_start().starts_with(first_word) && collapse_ws(&text).starts_with(&opening) {
                    lead = lead_block(&node, &start, limit).map(|t| (t, position));
                }
            }
            continue;
        }
        if node.node_name().is_some_and(|n| n.eq_ignore_ascii_case("p")) {
            let text = collapse_ws(&node.text());
            if text.chars().count() >= KEY_CHARS {
                paragraphs.push((key(&text, KEY_CHARS), position));
            }
        }
    }
    let (text, position) = lead?;
    Some(Lead { text, position, paragraphs })
}

/// The text of the largest block around `text_node` (up to a few levels up) that starts with
/// `start` and is not much longer than the description; `None` when the text sits in navigation
/// or page furniture.
fn lead_block(text_node: &NodeRef, start: &str, limit: usize) -> Option<String> {
    let mut best = None;
    for ancestor in text_node.ancestors_it(Some(4)) {
        let name = ancestor.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if matches!(name.as_str(), "nav" | "footer" | "aside" | "form" | "a" | "li" | "body" | "html") {
            break;
        }
        // A subtitle set as a heading is display type beside the headline, not the story's
        // first paragraph.
        if matches!(name.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            return None;
        }
        let text = collapse_ws(&ancestor.text());
        if !text.starts_with(start) || text.chars().count() > limit {
            break;
        }
        best = Some(text);
    }
    best
}

impl Lead {
    /// `text` with the lead as its first paragraph, when `text` lacks it and the lead comes
    /// before the paragraph `text` starts with; `None` when nothing is to be added.
    pub fn missing_from(&self, text: &str) -> Option<&str> {
        let flat = collapse_ws(text);
        if flat.contains(&key(&self.text, KEY_CHARS)) {
            return None;
        }
        let first = text.split("\n\n").map(collapse_ws).find(|p| p.chars().count() >= KEY_CHARS)?;
        let first = key(&first, KEY_CHARS);
        let body_starts = self.paragraphs.iter().find(|(k, _)| *k == first).map(|(_, p)| *p)?;
        (self.position < body_starts).then_some(self.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    const LEAD: &str =
        "Der Premierminister muss eine Verlängerung beantragen, nachdem das Parlament die Abstimmung vertagt hat.";
    const BODY: &str =
        "<p>Das Unterhaus in London hat am Samstag die Abstimmung über den Brexit-Vertrag vertagt und damit \
        den Premierminister in eine schwierige Lage gebracht.</p><p>Die Abgeordneten stimmten mit knapper Mehrheit für \
        einen Antrag, der die Zustimmung an die Verabschiedung der nötigen Gesetze knüpft.</p><p>Johnson kündigte an, \
        er werde dennoch nicht um eine Verlängerung bitten, obwohl das Gesetz ihn dazu verpflichtet.</p>";

    fn text(header: &str, body: &str) -> String {
        let html = format!(
            "<html><head><meta name=description content=\"{LEAD}\"><title>Niederlage für Johnson</title></head>\
             <body><header><h1>Niederlage für Johnson</h1>{header}</header><div class=content>{body}</div></body></html>"
        );
        let url = Url::parse("https://news.example/politik/johnson").unwrap();
        super::super::extract(&html, &url).unwrap().text
    }

    /// Regression: the lead printed in the article's header, outside the body's block, was lost
    /// (on German, Spanish and French news sites it is the story's first paragraph).
    #[test]
    fn the_lead_beside_the_headline_opens_the_text() {
        for (header, body, starts_with_lead) in [
            (format!("<p class=intro>{LEAD}</p>"), BODY.to_owned(), true),
            (format!("<div class=teaser><strong>{LEAD}</strong></div>"), BODY.to_owned(), true),
            // Said once when the body has it too.
            (String::new(), format!("<p>{LEAD}</p>{BODY}"), true),
            // A subtitle set as a heading is display type, not the first paragraph.
            (format!("<h2>{LEAD}</h2>"), BODY.to_owned(), false),
            // Nothing that merely resembles the description.
            ("<p>Der Premierminister hat heute nichts gesagt.</p>".to_owned(), BODY.to_owned(), false),
        ] {
            let text = text(&header, &body);
            assert_eq!(text.starts_with(LEAD), starts_with_lead, "header {header}: {text}");
            assert_eq!(text.matches(LEAD).count(), usize::from(starts_with_lead), "{text}");
        }
    }
}
