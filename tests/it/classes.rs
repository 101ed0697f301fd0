//! The title and charset classes seen wrong on pages from outside the tuning set (issue 10), one
//! fixture page each, clipped as a saved page (`clipdesk clip --html FILE`: the bytes as they are,
//! no HTTP header), as `tests/fixtures/pages/README.md` describes them.

use clipdesk::clip::{prepare, saved_page};

use crate::support::fixture;

/// What a fixture page must give.
struct Expected {
    title: &'static str,
    /// The encoding the snapshot records.
    charset: &'static str,
    /// A sentence of the text, with its non-ASCII letters.
    sentence: &'static str,
}

/// The ways the clip of `page` differs from `expected`.
fn check(page: &str, expected: &Expected) -> Vec<String> {
    let saved = saved_page(fixture(&format!("pages/{page}")), "https://news.example/2022/05/04/story").expect("page");
    let clip = match prepare(&saved) {
        Ok(clip) => clip,
        Err(e) => return vec![format!("{page}: {}", e.code())],
    };
    let mut failures = Vec::new();
    if clip.article.title != expected.title {
        failures.push(format!("{page}: title {:?}, want {:?}", clip.article.title, expected.title));
    }
    if clip.snapshot.charset.as_deref() != Some(expected.charset) {
        failures.push(format!("{page}: charset {:?}, want {:?}", clip.snapshot.charset, expected.charset));
    }
    if !clip.article.text.contains(expected.sentence) {
        failures.push(format!("{page}: text lacks {:?}: {:?}", expected.sentence, clip.article.text));
    }
    failures
}

#[test]
fn title_and_charset_classes() {
    let cases = [
        // The site's name in the only <h1> (a blog theme's masthead).
        (
            "title-site-name-h1.html",
            Expected {
                title: "Ferry service to Gull Island resumes after storm repairs",
                charset: "UTF-8",
                sentence: "“It feels like the island has been plugged back in,” said Mairead Collins",
            },
        ),
        // A section label as og:title.
        (
            "title-section-label.html",
            Expected {
                title: "Neue Radwege entlang der Uferstraße ab Mai befahrbar",
                charset: "UTF-8",
                sentence: "Die Kosten von 2,4 Millionen Euro tragen die Stadt und das Land je zur Hälfte.",
            },
        ),
        // The subtitle as og:title; the headline a short <h1> the <title> begins with.
        (
            "title-subtitle.html",
            Expected {
                title: "Terminal ampliada",
                charset: "UTF-8",
                sentence: "la obra creará unos 400 empleos directos durante la construcción.",
            },
        ),
        // `Headline – Site`, the site named only by the masthead's home link.
        (
            "title-site-suffix.html",
            Expected {
                title: "Why the old mill pond keeps flooding",
                charset: "UTF-8",
                sentence: "It was built for the mill race",
            },
        ),
        // `Site|Headline`.
        (
            "title-site-prefix.html",
            Expected {
                title: "Library extends weekend opening hours",
                charset: "UTF-8",
                sentence: "Westfield's central library will open on Sundays from next month",
            },
        ),
        // Saved as UTF-8 under its original windows-1252 declaration.
        (
            "saved-utf8-meta-cp1252.html",
            Expected {
                title: "Frühjahrsmarkt in Kürten zieht 5.000 Besucher an",
                charset: "UTF-8",
                sentence: "„So voll war es seit Jahren nicht“, sagte Marktmeisterin Süheyla Öztürk.",
            },
        ),
        // A real legacy page under its own declaration is still decoded by it.
        (
            "russian-cp1251.html",
            Expected {
                title: "В Кремле рассказали о телефонном разговоре Путина и Обамы",
                charset: "windows-1251",
                sentence: "Это уже второй контакт двух лидеров за неделю.",
            },
        ),
        // One sentence behind a paywall is still a clip.
        (
            "short-notice.html",
            Expected {
                title: "Water main repair closes Station Road until Friday",
                charset: "UTF-8",
                sentence: "Station Road will be closed between the bridge and the school until Friday",
            },
        ),
    ];
    let failures: Vec<String> = cases.iter().flat_map(|(page, expected)| check(page, expected)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
