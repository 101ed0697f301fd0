//! Site furniture: the parts of a page that are not the article.
//!
//! Two detectors. By markup: elements whose class, id or role names furniture (`newsletter`,
//! `cookie`, `share`, `related`, `most-popular`, …), and hidden elements. By text: short blocks that
//! read as furniture ("Like this story? Share it", "Sign up for our newsletter", "Privacy Overview",
//! "Most Popular", a comment-community blurb). Text rules only apply to short blocks, so an article
//! that happens to discuss newsletters or cookies is not cut.

use std::collections::HashMap;

use dom_query::{Document, NodeId, NodeRef};

use crate::text::collapse_ws;

/// Class or id words that mark furniture. Matched against the words of `class` and `id` split on
/// non-letters, so `share` matches `share-bar` and `post_share` but not `shared` or `shareholder`.
const FURNITURE_WORDS: &[&str] = &[
    "newsletter",
    "newsletters",
    "subscribe",
    "subscription",
    "signup",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "share",
    "sharing",
    "sharebar",
    "social",
    "sociallinks",
    "related",
    "relatedposts",
    "mostpopular",
    "mostread",
    "outbrain",
    "taboola",
    "promo",
    "advertisement",
    "advert",
    "sponsored",
    "disqus",
    "comments",
    "breadcrumb",
    "breadcrumbs",
    "paywall",
    "popup",
    "modal",
];

/// Multi-word class names (`most-popular`, `read-more`) checked on the joined form.
const FURNITURE_JOINED: &[&str] = &[
    "mostpopular",
    "mostread",
    "readmore",
    "relatedarticles",
    "relatedstories",
    "relatedcontent",
    "morestories",
    "moreon",
    "youmayalsolike",
    "sharetools",
    "socialshare",
    "sharebuttons",
    "newslettersignup",
    "emailsignup",
    "cookiebanner",
    "cookienotice",
    "cookieconsent",
    "privacyoverview",
    "authorbio",
    "newsletterbox",
];

/// Boxes about the author beside or under the story (a photo, a bio, links to other posts):
/// matched on the joined class or id, and removed even when the class also says "content"
/// (`bmg-content-box bmg-author-box`).
const AUTHOR_BOXES: &[&str] = &[
    "authorbox",
    "aboutauthor",
    "abouttheauthor",
    "authorbio",
    "authordescription",
    "autorbox",
    "autorenbox",
    "autoreninfo",
    "saboxplugin",
];

/// Removes furniture elements found by their markup.
pub fn remove_furniture(doc: &Document) {
    let mut doomed: Vec<NodeRef> = Vec::new();
    for node in doc.select("[class], [id], [role], [hidden], [aria-hidden], [style]").nodes() {
        if is_furniture_markup(node) {
            doomed.push(*node);
        }
    }
    for node in doc.select("nav, dialog, [role=navigation], [role=dialog], [role=alertdialog]").nodes() {
        doomed.push(*node);
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

fn is_furniture_markup(node: &NodeRef) -> bool {
    let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
    if matches!(name.as_str(), "html" | "body" | "main" | "article") {
        return false;
    }
    if node.has_attr("hidden") || node.attr("aria-hidden").is_some_and(|v| v.trim() == "true") {
        return true;
    }
    if let Some(style) = node.attr("style") {
        let s: String = style.to_ascii_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut joined_hit = false;
    let mut author_box = false;
    for attr in ["class", "id"] {
        if let Some(v) = node.attr(attr) {
            for token in v.split_whitespace() {
                let lower = token.to_ascii_lowercase();
                let joined: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                joined_hit |= FURNITURE_JOINED.iter().any(|j| joined.contains(j));
                author_box |= AUTHOR_BOXES.iter().any(|j| joined.contains(j));
                words.extend(
                    lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned),
                );
            }
        }
    }
    if author_box {
        return !holds_article_text(node);
    }
    // Content containers often carry furniture words as modifiers ("entry-content-read-more",
    // "article-body has-share-bar"): keep anything that also says it is the content.
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "content" | "article" | "body" | "story" | "entry" | "post" | "main" | "text"))
    {
        return false;
    }
    if !joined_hit && !words.iter().any(|w| FURNITURE_WORDS.contains(&w.as_str())) {
        return false;
    }
    // A page wrapper named after an ad slot ("m-advertisement-off-canvas--pusher") holds the
    // article itself: furniture does not hold several long paragraphs.
    !holds_article_text(node)
}

/// True if `node` is where the text is: three long paragraphs, or half the text of a fragment
/// of `root_chars` bytes.
fn holds_prose(node: &NodeRef, root_chars: usize) -> bool {
    holds_article_text(node) || node.text().len() * 2 > root_chars
}

/// True if `node` contains at least three paragraphs of real prose.
fn holds_article_text(node: &NodeRef) -> bool {
    let mut long = 0;
    for d in node.descendants_it() {
        if d.is_element() && d.node_name().is_some_and(|n| n.as_ref() == "p") && d.text().len() > 200 {
            long += 1;
            if long >= 3 {
                return true;
            }
        }
    }
    false
}

/// Phrases that begin furniture blocks, lower-case.
const FURNITURE_STARTS: &[&str] = &[
    "like this story",
    "share this",
    "share on",
    "share via",
    "share article",
    "follow us on",
    "sign up for",
    "sign up to",
    "subscribe to",
    "subscribe now",
    "newsletter",
    "get the latest",
    "privacy overview",
    "this website uses cookies",
    "we use cookies",
    "by continuing to use",
    "most popular",
    "most read",
    "read more:",
    "read more about",
    "read also",
    "related:",
    "related articles",
    "related stories",
    "related content",
    "recommended for you",
    "you may also like",
    "you might also like",
    "more from",
    "don't miss",
    "advertisement",
    "click here to",
    "if you’d like to comment",
    "if you'd like to comment",
    "join the ",
    "commenting is available",
    "please use the following structure",
    "confirm mail",
    "thank you! now check your email",
    "you are now a member",
    "already a member",
    "log in to comment",
    "comments are closed",
    "leave a comment",
    "all rights reserved",
    "copyright ©",
    "© copyright",
    "email address",
    "enter your email",
    "if you enjoyed reading",
    "for the latest stories",
    "this entry was posted",
    "you are not logged in",
    "see also:",
    "filed under",
    // German
    "lesen sie auch",
    "lesen sie mehr",
    "lesen sie hier",
    "lies auch",
    "auch interessant",
    "ebenfalls interessant",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "das könnte dich interessieren",
    "das könnte sie interessieren",
    "das thema könnte dich",
    "das könnte ihnen auch gefallen",
    "das könnte dir auch gefallen",
    "dies könnte sie auch interessieren",
    "mehr zum thema",
    "mehr zu diesem thema",
    "mehr themen",
    "weitere themen",
    "weitere artikel",
    "weitere beiträge",
    "weitere nachrichten",
    "weitere meldungen",
    "weiterführende links",
    "weiterführender link",
    "zum weiterlesen",
    "empfohlene beiträge",
    "empfohlene artikel",
    "schon gelesen?",
    "beiträge zum thema",
    "ähnliche beiträge",
    "ähnliche artikel",
    "verwandte artikel",
    "verwandte beiträge",
    "artikel teilen",
    "beitrag teilen",
    "diesen artikel teilen",
    "möchten sie den artikel teilen",
    "war der artikel nützlich",
    "war dieser artikel hilfreich",
    "war dieser beitrag hilfreich",
    "hier können sie den artikel bewerten",
    "artikel bewerten",
    "newsletter abonnieren",
    "jetzt abonnieren",
    "jetzt newsletter",
    "folgen sie uns",
    "folge uns",
    "schreibe einen kommentar",
    "hinterlasse einen kommentar",
    "kommentar schreiben",
    "kommentare geschlossen",
    "kommentare sind geschlossen",
    "diese website verwendet",
    "wir verwenden cookies",
    "wir respektieren deine privatsphäre",
    "wir respektieren ihre privatsphäre",
    "alle rechte vorbehalten",
    "rezept drucken",
    "bild anzeigen",
    "quellen ausblenden",
    "quellen anzeigen",
    "lade weitere",
    "mehr laden",
    "vorschau auf den nächsten artikel",
    "nächster artikel",
    "vorheriger artikel",
    "sie sind aktuell nicht eingeloggt",
    "sie sind nicht angemeldet",
    "alle angaben ohne gewähr",
    "entdecken sie jetzt",
    "entdecke weitere",
    "meistgelesen",
    "meistdiskutiert",
    "meistgeklickt",
    "am meisten gelesen",
    // Spanish
    "lea también",
    "lee también",
    "lea más",
    "lee más",
    "leer más",
    "le puede interesar",
    "te puede interesar",
    "también te puede interesar",
    "puede interesarte",
    "puedes ver:",
    "mira también",
    "ver también",
    "noticias relacionadas",
    "artículos relacionados",
    "notas relacionadas",
    "más noticias",
    "lo más leído",
    "más leídas",
    "más leídos",
    "valora esta noticia",
    "comparte esta",
    "compartir en",
    "suscríbete",
    "hazte miembro",
    "síguenos",
    "todos los derechos reservados",
    // French
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "à lire également",
    "voir aussi",
    "lire la suite",
    "sur le même sujet",
    "articles similaires",
    "articles liés",
    "les plus lus",
    "les plus populaires",
    "partager sur",
    "partager cet article",
    "abonnez-vous",
    "inscrivez-vous",
    "tous droits réservés",
    // Italian
    "leggi anche",
    "leggi altro",
    "potrebbe interessarti",
    "ti potrebbe interessare",
    "articoli correlati",
    "i più letti",
    "più letti",
    "condividi su",
    "iscriviti alla",
    "tutti i diritti riservati",
    // Portuguese
    "leia também",
    "leia mais",
    "veja também",
    "saiba mais",
    "compartilhe",
    "todos os direitos reservados",
    // Polish
    "czytaj też",
    "czytaj także",
    "czytaj również",
    "czytaj więcej",
    "zobacz też",
    "zobacz także",
    "zobacz również",
    "najczęściej czytane",
    "najpopularniejsze",
    "udostępnij",
    "wszelkie prawa zastrzeżone",
    "zapraszamy też do subskrypcji",
    "zapraszamy do subskrypcji",
    // Dutch
    "lees ook",
    "lees meer",
    "deel dit",
];

/// Whole short blocks that are furniture in any of the languages above ("Teilen", "Zurück").
const FURNITURE_EQUALS: &[&str] = &[
    "read more",
    "share",
    "print",
    "back",
    "back to top",
    "more",
    "teilen",
    "drucken",
    "zurück",
    "nach oben",
    "anzeige",
    "werbung",
    "kommentare",
    "weiterlesen",
    "mehr",
    "compartir",
    "imprimir",
    "volver",
    "publicidad",
    "partager",
    "imprimer",
    "retour",
    "publicité",
    "condividi",
    "stampa",
    "pubblicità",
    "compartilhar",
    "publicidade",
    "udostępnij",
    "drukuj",
    "reklama",
    "więcej",
    "delen",
    "permalien",
    "permalink",
    // A table of contents' title (its links go as a link list).
    "contents",
    "table of contents",
    "inhaltsverzeichnis",
    "inhalt",
    "índice",
    "sommaire",
    "indice",
    "spis treści",
];

/// Removes short blocks whose text reads as furniture.
pub fn remove_furniture_text(root: &NodeRef) {
    let mut doomed = Vec::new();
    for node in root.descendants_it() {
        if !node.is_element() {
            continue;
        }
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if !matches!(
            name.as_str(),
            "p" | "div" | "section" | "li" | "ul" | "h2" | "h3" | "h4" | "h5" | "h6" | "span" | "strong" | "em" | "b"
        ) {
            continue;
        }
        let text = collapse_ws(&node.text());
        if text.is_empty() || text.split_whitespace().count() > 40 {
            continue;
        }
        let lower = text.to_lowercase();
        // "*Werbung", "» Lesen Sie auch", "[Drukuj]": marks around the words do not change them.
        let lower = lower.trim_matches(|c: char| !c.is_alphanumeric() && c != '?' && c != ':');
        if FURNITURE_STARTS.iter().any(|p| lower.starts_with(p))
            || FURNITURE_EQUALS.contains(&lower.trim_end_matches([':', '?']))
        {
            doomed.push(node);
        }
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// Class or id words of elements that annotate the article rather than tell it: captions, photo
/// credits, galleries, bylines and timestamps. They stay in the reader's HTML but not in the text.
const ANNOTATION_WORDS: &[&str] = &[
    "caption",
    "captions",
    "credit",
    "credits",
    "gallery",
    "slideshow",
    "carousel",
    "byline",
    "dateline",
    "timestamp",
    "lightbox",
    "figcaption",
    "photocredit",
    "imagecredit",
];

/// Removes what is not prose from a fragment whose HTML has already been taken: figures and their
/// captions, credits, galleries, bylines, datelines, link lists. Only the plain text (what search
/// indexes and briefings quote) is rendered after this.
pub fn strip_annotations(root: &NodeRef) {
    let mut doomed = Vec::new();
    let root_chars = root.text().len();
    // Annotation words found on blocks that turned out to hold the article, by block.
    let mut spared: HashMap<NodeId, Vec<&str>> = HashMap::new();
    for node in root.descendants_it() {
        if !node.is_element() {
            continue;
        }
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if matches!(name.as_str(), "figure" | "figcaption" | "picture") {
            doomed.push(node);
            continue;
        }
        let words = matching_words(&node, ANNOTATION_WORDS);
        if !words.is_empty() {
            // A class names what a block is *near*, not always what it is: `format-gallery` on a
            // blog post, `js-post-gallery` on an article. A block that holds the prose is the
            // article, and inside it the word is the site's prefix for everything
            // (`editorial-gallery__item`), not a mark of captions.
            let inherited = node
                .ancestors_it(None)
                .any(|a| spared.get(&a.id).is_some_and(|parent_words| words.iter().all(|w| parent_words.contains(w))));
            if inherited {
                continue;
            }
            if holds_prose(&node, root_chars) {
                spared.insert(node.id, words);
                continue;
            }
            doomed.push(node);
            continue;
        }
        if !matches!(
            name.as_str(),
            "p" | "div" | "li" | "span" | "h2" | "h3" | "h4" | "h5" | "h6" | "time" | "small" | "address" | "ul" | "ol"
        ) {
            continue;
        }
        let text = collapse_ws(&node.text());
        if text.is_empty() {
            continue;
        }
        // An inline element inside a sentence ("am <time>24. Januar</time> stimmte …") is part
        // of the sentence, whatever it says.
        let in_sentence = || {
            matches!(name.as_str(), "span" | "time" | "small")
                && node.parent().is_some_and(|p| collapse_ws(&p.text()).len() > text.len())
        };
        if (is_annotation_text(&text) || is_link_list(&node, &text)) && !in_sentence() {
            doomed.push(node);
        }
    }
    for node in doomed {
        node.remove_from_parent();
    }
    remove_orphan_headings(root);
}

/// The rank of a heading: 1–6 for `<h1>`–`<h6>`, 7 for a paragraph that is only a short bold
/// phrase (`<p><strong>Mehr zum Thema</strong></p>`), `None` for anything else.
fn heading_level(node: &NodeRef) -> Option<u8> {
    let name = node.node_name()?;
    let name = name.to_ascii_lowercase();
    if let Some(level) = name.strip_prefix('h').and_then(|d| d.parse::<u8>().ok()).filter(|l| (1..=6).contains(l)) {
        return Some(level);
    }
    if name != "p" {
        return None;
    }
    let text = collapse_ws(&node.text());
    // A label that announces what follows ("Zusatzinformationen:", "Credit:").
    if text.ends_with(':') && text.split_whitespace().count() <= 6 {
        return Some(7);
    }
    let children: Vec<NodeRef> =
        node.children_it(false).filter(|c| !c.is_text() || !c.text().trim().is_empty()).collect();
    let [only] = children.as_slice() else { return None };
    let bold = only.node_name().is_some_and(|n| matches!(n.to_ascii_lowercase().as_str(), "strong" | "b"));
    (bold && text.split_whitespace().count() <= 10 && !text.ends_with(['.', '!'])).then_some(7)
}

/// Removes headings that introduce nothing: no text follows them before a heading of the same or
/// a higher rank, or before the end. What is left when a related-links list has gone ("Mehr zum
/// Thema", "Empfohlene Beiträge") or a comment section was never loaded ("Kommentare").
pub fn remove_orphan_headings(root: &NodeRef) {
    // Headings and text, in document order: (heading node and its rank) or None for text. The
    // walk does not enter headings (their text is theirs) nor elements that are never text.
    let mut events: Vec<Option<(NodeRef, u8)>> = Vec::new();
    let mut stack: Vec<NodeRef> = root.children_it(true).collect();
    while let Some(node) = stack.pop() {
        if node.is_text() {
            if !node.text().trim().is_empty() {
                events.push(None);
            }
            continue;
        }
        if !node.is_element() {
            continue;
        }
        if let Some(level) = heading_level(&node) {
            events.push(Some((node, level)));
            continue;
        }
        if node.node_name().is_some_and(|name| super::render::is_skipped(&name.to_ascii_lowercase())) {
            continue;
        }
        stack.extend(node.children_it(true));
    }
    let mut doomed = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let Some((node, level)) = event else { continue };
        // A sentence set as a heading (a pull quote) says something by itself.
        let text = collapse_ws(&node.text());
        if text.split_whitespace().count() > 10 || text.ends_with(['.', '!', '"', '”', '“', '»', '«']) {
            continue;
        }
        let orphan = match events.get(i + 1) {
            None => true,
            Some(None) => false,
            Some(Some((_, next))) => next <= level,
        };
        if orphan {
            doomed.push(*node);
        }
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// The words of `list` that the node's class or id holds.
fn matching_words<'a>(node: &NodeRef, list: &[&'a str]) -> Vec<&'a str> {
    let mut found = Vec::new();
    for attr in ["class", "id"] {
        if let Some(v) = node.attr(attr) {
            for w in v.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()) {
                if let Some(hit) = list.iter().find(|l| **l == w) {
                    if !found.contains(hit) {
                        found.push(*hit);
                    }
                }
            }
        }
    }
    found
}

/// Short lines that credit, date or sign the article rather than tell it.
fn is_annotation_text(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 25 {
        return false;
    }
    // "Category : Press Releases", "Crédit : AFP": French spacing before the colon.
    let lower = text.to_lowercase().replace(" :", ":");
    const STARTS: &[&str] = &[
        "by ",
        "updated",
        "published",
        "posted",
        "last updated",
        "last modified",
        "photo:",
        "photos:",
        "image:",
        "(image",
        "image credit",
        "credit:",
        "photograph:",
        "picture:",
        "pictures:",
        "video:",
        "©",
        "(c)",
        "copyright",
        "image 1 of",
        "email ",
        "e-mail ",
        "follow ",
        "reach the reporter",
        "contact ",
        "citation:",
        "this document is subject to copyright",
        "this article was originally published",
        "see more:",
        "read more",
        "related:",
        "more:",
        "watch:",
        "listen:",
        "also read",
        "continue reading",
        "click here",
        "this slideshow requires",
        "have a tip?",
        "sharing is caring",
        "want more stories like this",
        "tell us what you think",
        "source:",
        "photograph by",
        // German
        "von ",
        "foto:",
        "fotos:",
        "bild:",
        "bilder:",
        "quelle:",
        "quellen:",
        "quellenangabe",
        "autor:",
        "autorin:",
        "autoren:",
        "text:",
        "aktualisiert am",
        "veröffentlicht am",
        "erstellt am",
        "publiziert am",
        "zuletzt aktualisiert",
        "der beitrag wurde am",
        "stand:",
        "kategorie:",
        "kategorien:",
        "category:",
        "categories:",
        "schlagwörter:",
        "schlagworte:",
        "tags:",
        "abbildung:",
        "beitragsbild",
        // Spanish, French, Italian, Portuguese, Polish
        "fuente:",
        "foto de",
        "publicado",
        "actualizado",
        "categoría:",
        "crédits photos",
        "crédit photo",
        "crédit:",
        "photo:",
        "publié le",
        "mis à jour",
        "fonte:",
        "pubblicato il",
        "aggiornato il",
        "źródło:",
        "opublikowano",
        "aktualizacja:",
        "autor zdjęcia",
    ];
    const EQUALS: &[&str] =
        &["caption", "close", "advertisement", "advert", "share", "comments", "print", "email", "tweet"];
    if EQUALS.contains(&lower.trim_matches(|c: char| !c.is_alphanumeric() && c != '_')) {
        return true;
    }
    if words <= 12 && STARTS.iter().any(|s| lower.starts_with(s)) {
        return true;
    }
    // "Updated 5:27 am CST, Wednesday, November 20, 2019": a date line with no sentence.
    // (A tweet's attribution line, "— Name (@handle) November 18, 2019", is part of the quote.)
    words <= 10 && !text.ends_with('.') && !text.starts_with(['—', '–', '-']) && looks_like_dateline(&lower)
}

/// Month names and their usual short forms, for lines that are only a date, in the languages of
/// the furniture lists.
const MONTH_NAMES: &[&str] = &[
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
    "dec", // English
    "januar",
    "jänner",
    "februar",
    "märz",
    "mai",
    "juni",
    "juli",
    "oktober",
    "dezember",
    "okt",
    "dez", // German
    "janvier",
    "février",
    "mars",
    "avril",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre", // French
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre", // Spanish
    "gennaio",
    "febbraio",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "settembre",
    "ottobre",
    "dicembre", // Italian
    "janeiro",
    "fevereiro",
    "março",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "dezembro", // Portuguese
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia", // Polish (dates use the genitive)
    "januari",
    "februari",
    "maart",
    "mei",
    "augustus", // Dutch
];

/// Words that may stand beside a date in a dateline ("am 24. Januar 2022 um 15:47").
const DATE_FILLERS: &[&str] = &[
    "am", "pm", "um", "uhr", "de", "del", "le", "el", "h", "at", "on", "the", "of", "st", "nd", "rd", "th", "a",
    "alle", "ore", "o", "godz", "r",
];

/// Weekday names that may open a dateline.
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

fn looks_like_dateline(lower: &str) -> bool {
    const MONTHS: &[&str] = &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let has_month = lower
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.len() >= 3 && MONTHS.iter().any(|m| w.starts_with(m)) && w.len() <= 9);
    let has_year = lower
        .split(|c: char| !c.is_ascii_digit())
        .any(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")));
    let has_time = lower.contains(" am") || lower.contains(" pm") || lower.contains(':');
    (has_month && (has_year || has_time)) || is_bare_date(lower)
}

/// A line that is a date or a time and nothing else: "23.10.2018", "7. oktober 2020", "3:59 pm",
/// "Dienstag, 6. Mai 2014".
fn is_bare_date(lower: &str) -> bool {
    lower.chars().any(|c| c.is_ascii_digit())
        && lower
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .all(|w| MONTH_NAMES.contains(&w) || DATE_FILLERS.contains(&w) || WEEKDAYS.contains(&w))
}

/// A short block that is mostly links: a related-stories list, a tag list, a "more on" line.
fn is_link_list(node: &NodeRef, text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 60 {
        return false;
    }
    let links: Vec<NodeRef> =
        node.descendants_it().filter(|d| d.is_element() && d.node_name().is_some_and(|n| n.as_ref() == "a")).collect();
    let link_chars: usize = links.iter().map(|a| collapse_ws(&a.text()).chars().count()).sum();
    let total = text.chars().count();
    // One linked sentence is prose that cites its source; a list of links is not.
    let one_sentence = links.len() < 2 && text.ends_with(['.', '!', '?', '"', '”']);
    total > 0 && !one_sentence && link_chars * 10 >= total * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text `html` gives once furniture and annotations are gone.
    fn check(cases: &[(&str, &str)]) {
        for (html, expected) in cases {
            let doc = Document::fragment(*html);
            remove_furniture_text(&doc.root());
            remove_orphan_headings(&doc.root());
            strip_annotations(&doc.root());
            assert_eq!(super::super::render::text_of(&doc.root()), *expected, "html: {html}");
        }
    }

    const P: &str = "<p>Die Stadt hat am Dienstag den Plan beschlossen.</p>";

    /// Regression: furniture was only recognised in English; "Lesen Sie auch", "Lea también",
    /// "Czytaj też" and their kin stayed in the text of pages in other languages.
    #[test]
    fn furniture_in_other_languages() {
        check(&[
            (&format!("{P}<p>Lesen Sie auch: Der nächste Plan</p>"), "Die Stadt hat am Dienstag den Plan beschlossen."),
            (
                &format!("{P}<p><b>LE PUEDE INTERESAR:</b> Otra nota</p>"),
                "Die Stadt hat am Dienstag den Plan beschlossen.",
            ),
            (&format!("{P}<div>» Czytaj też</div><p>*Werbung</p>"), "Die Stadt hat am Dienstag den Plan beschlossen."),
            (&format!("{P}<p>Zurück</p><p>Valora esta noticia</p>"), "Die Stadt hat am Dienstag den Plan beschlossen."),
            // Prose that happens to start like furniture is long, and stays.
            (
                "<p>Lesen Sie auch die Begründung des Gerichts, die am Montag veröffentlicht wurde, und \
                 vergleichen Sie sie mit dem Urteil der ersten Instanz aus dem vergangenen Jahr, das damals \
                 sehr umstritten war und viele Fragen offen ließ, die erst jetzt beantwortet werden können, \
                 nachdem alle Akten vorliegen.</p>",
                "Lesen Sie auch die Begründung des Gerichts, die am Montag veröffentlicht wurde, und vergleichen Sie \
                 sie mit dem Urteil der ersten Instanz aus dem vergangenen Jahr, das damals sehr umstritten war und \
                 viele Fragen offen ließ, die erst jetzt beantwortet werden können, nachdem alle Akten vorliegen.",
            ),
        ]);
    }

    /// Regression: "Meistgelesene Artikel", a table of contents' title, "Category : Press
    /// Releases" (a space before the colon) and labels announcing a removed list
    /// ("Zusatzinformationen:") stayed in the text.
    #[test]
    fn more_furniture_lines() {
        let para = "Die Stadt hat am Dienstag den Plan beschlossen.";
        check(&[
            (&format!("<p>{para}</p><h3>Meistgelesene Artikel</h3><p>Lo más leído</p>"), para),
            (&format!("<h2>Inhaltsverzeichnis</h2><p>{para}</p>"), para),
            (&format!("<p>{para}</p><p>Category : Press Releases</p>"), para),
            (
                &format!("<p>{para}</p><p>Zusatzinformationen:</p><ul><li><a href=/a>Eins</a></li><li><a href=/b>Zwei</a></li></ul>"),
                para,
            ),
            // A label followed by what it announces stays.
            (
                &format!("<p>Für den Teig:</p><ul><li>200 g Mehl und 100 g Butter</li></ul><p>{para}</p>"),
                &format!("Für den Teig:\n\n200 g Mehl und 100 g Butter\n\n{para}"),
            ),
        ]);
    }

    /// Regression: the author's box under a post (photo, bio, links) stayed when its class also
    /// said "content" (`bmg-content-box bmg-author-box`).
    #[test]
    fn author_boxes_go() {
        let doc = Document::from(
            "<article><div class=entry-content><p>Die Stadt hat am Dienstag den Plan beschlossen.</p></div>\
             <section class='bmg-content-box bmg-author-box'><p>Hallo, ich bin Foodbloggerin.</p></section>\
             <div class=saboxplugin-wrap><p>Ich mag jede Art von Fotografie.</p></div></article>",
        );
        remove_furniture(&doc);
        let text = super::super::render::text_of(&doc.root());
        assert_eq!(text, "Die Stadt hat am Dienstag den Plan beschlossen.");
    }

    /// Regression: the title of a related-links list stayed when its links were removed ("Mehr
    /// zum Thema" ended the text); an empty comments heading too.
    #[test]
    fn headings_that_introduce_nothing() {
        check(&[
            (
                &format!("{P}<h3>Beiträge zum Thema</h3><ul><li><a href=/a>Eins</a></li><li><a href=/b>Zwei</a></li></ul>"),
                "Die Stadt hat am Dienstag den Plan beschlossen.",
            ),
            (&format!("{P}<p><strong>Kommentare</strong></p>"), "Die Stadt hat am Dienstag den Plan beschlossen."),
            (&format!("<h2>Ein Abschnitt</h2>{P}<h2>Leer</h2><h2>Noch einer</h2>{P}"), "Ein Abschnitt\n\nDie Stadt hat am Dienstag den Plan beschlossen.\n\nNoch einer\n\nDie Stadt hat am Dienstag den Plan beschlossen."),
            // A sub-heading and its sub-sections; a pull quote set as a heading.
            (&format!("<h2>Teil</h2><h3>Eins</h3>{P}"), "Teil\n\nEins\n\nDie Stadt hat am Dienstag den Plan beschlossen."),
            (&format!("{P}<h4>Es stützt seine Version.</h4>"), "Die Stadt hat am Dienstag den Plan beschlossen.\n\nEs stützt seine Version."),
        ]);
    }

    /// Regression: dates printed alone ("23.10.2018", "7. oktober 2020", "3:59 PM") and German,
    /// Spanish, French and Polish credit lines stayed in the text.
    #[test]
    fn datelines_and_credits_in_other_languages() {
        check(&[
            (&format!("<p>23.10.2018</p>{P}<p>3:59 PM</p>"), "Die Stadt hat am Dienstag den Plan beschlossen."),
            (&format!("<div>Dienstag, 6. Mai 2014</div>{P}"), "Die Stadt hat am Dienstag den Plan beschlossen."),
            (
                &format!("{P}<p>Quelle: dpa</p><p>Źródło: PAP</p><p>Crédits photos : Bestimage</p>"),
                "Die Stadt hat am Dienstag den Plan beschlossen.",
            ),
            // A date inside a sentence is the sentence's.
            ("<p>Am <time>24. Januar 2022</time> stimmte der Rat zu.</p>", "Am 24. Januar 2022 stimmte der Rat zu."),
            // A number is not a date unless it stands alone.
            ("<p>Der Plan kostet 1.200 Euro.</p>", "Der Plan kostet 1.200 Euro."),
        ]);
    }
}
