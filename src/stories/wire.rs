//! Wire copy: which news agency a clip credits, from its dateline ("MOSCOW (AP) —",
//! "BERLIN, 6. Juli (Reuters) -", "МОСКВА, 6 июля. /ТАСС/."), its byline ("Associated Press",
//! "Agencia EFE") or its closing credit ("— AFP", "mit dpa", "Copyright 2016 The Associated
//! Press"). Stored as the agency's code (`ap`, `reuters`…) in `clip.wire`; searched as `wire:ap`.
//!
//! The dateline decides first, then the byline, then the credit: a photo caption inside the text
//! ("Kayhan Ozer/Anadolu Agency via AP") credits a picture, not the story, and is never read.

/// A news agency.
#[derive(Debug, Clone, Copy)]
pub struct Agency {
    /// Stored and searched (`wire:ap`).
    pub code: &'static str,
    /// As a sentence names it: "the AP text".
    pub short: &'static str,
    pub name: &'static str,
    /// Marks of a dateline, read in the opening of the text (case-sensitive).
    datelines: &'static [&'static str],
    /// Bylines, compared with the clip's authors (case and accents ignored).
    bylines: &'static [&'static str],
    /// Closing credits, read in the end of the text (case-sensitive).
    credits: &'static [&'static str],
}

/// The agencies Clipdesk recognises.
pub const AGENCIES: &[Agency] = &[
    Agency {
        code: "ap",
        short: "AP",
        name: "Associated Press",
        datelines: &["(AP)", "(AP-"],
        bylines: &["AP", "Associated Press", "The Associated Press", "AP staff"],
        credits: &[
            "The Associated Press contributed",
            "Associated Press contributed",
            "The Associated Press. All rights reserved",
            "(AP)",
        ],
    },
    Agency {
        code: "reuters",
        short: "Reuters",
        name: "Reuters",
        datelines: &["(Reuters)", "(REUTERS)", "(Рейтер)", "- Reuters"],
        bylines: &["Reuters", "Thomson Reuters", "Reuters staff"],
        credits: &["(Reporting by", "Reporting by", "Editing by", "(Reuters)", "- Reuters"],
    },
    Agency {
        code: "afp",
        short: "AFP",
        name: "Agence France-Presse",
        datelines: &["(AFP)", "(AFP/", "(АФП)"],
        bylines: &["AFP", "Agence France-Presse", "Agence France Presse", "AFP staff"],
        credits: &["— AFP", "– AFP", "- AFP", "(AFP)", "Agence France-Presse"],
    },
    Agency {
        code: "dpa",
        short: "dpa",
        name: "Deutsche Presse-Agentur",
        datelines: &["(dpa)", "(dpa-AFX)", "(dpa/", "dpa -", "(DPA)"],
        bylines: &["dpa", "Deutsche Presse-Agentur", "dpa-AFX"],
        credits: &["mit dpa", "Mit dpa", "(dpa)", "© dpa"],
    },
    Agency {
        code: "efe",
        short: "EFE",
        name: "Agencia EFE",
        datelines: &["(EFE)", "(EFE/", "EFE.-", "EFE -"],
        bylines: &["EFE", "Agencia EFE", "Por EFE"],
        credits: &["(EFE)", "Agencia EFE", "EFE."],
    },
    Agency {
        code: "ansa",
        short: "ANSA",
        name: "ANSA",
        datelines: &["(ANSA)", "ANSA) -"],
        bylines: &["ANSA", "Redazione ANSA"],
        credits: &["(ANSA)", "© ANSA", "RIPRODUZIONE RISERVATA © Copyright ANSA"],
    },
    Agency {
        code: "tass",
        short: "TASS",
        name: "TASS",
        datelines: &["/ТАСС/", "/TASS/", "(TASS)", "- ТАСС", "— ТАСС"],
        bylines: &["ТАСС", "TASS"],
        credits: &["/ТАСС/", "(ТАСС)"],
    },
    Agency {
        code: "ria",
        short: "RIA Novosti",
        name: "RIA Novosti",
        datelines: &["РИА Новости", "RIA Novosti"],
        bylines: &["РИА Новости", "RIA Novosti"],
        credits: &["РИА Новости"],
    },
    Agency {
        code: "interfax",
        short: "Interfax",
        name: "Interfax",
        datelines: &["Интерфакс", "(Interfax)", "Interfax -"],
        bylines: &["Интерфакс", "Interfax"],
        credits: &[],
    },
    Agency {
        code: "xinhua",
        short: "Xinhua",
        name: "Xinhua",
        datelines: &["新华社", "(Xinhua)", "Xinhua --", "Xinhua -"],
        bylines: &["Xinhua", "新华社", "Xinhua News Agency"],
        credits: &["(Xinhua)", "新华社"],
    },
    Agency {
        code: "anadolu",
        short: "Anadolu",
        name: "Anadolu Agency",
        datelines: &["(AA)", "(AA/", "Anadolu Ajansı", "(Anadolu)"],
        bylines: &["Anadolu Agency", "Anadolu Ajansı", "AA"],
        credits: &["(AA)", "Anadolu Ajansı"],
    },
    Agency {
        code: "pti",
        short: "PTI",
        name: "Press Trust of India",
        datelines: &["(PTI)", "PTI:"],
        bylines: &["PTI", "Press Trust of India"],
        credits: &["(PTI)", "- PTI"],
    },
    Agency {
        code: "ani",
        short: "ANI",
        name: "Asian News International",
        datelines: &["(ANI)", "[ANI]"],
        bylines: &["ANI", "Asian News International"],
        credits: &["(ANI)"],
    },
    Agency {
        code: "kyodo",
        short: "Kyodo",
        name: "Kyodo News",
        datelines: &["(Kyodo)", "共同社", "共同通信"],
        bylines: &["Kyodo", "Kyodo News", "共同通信"],
        credits: &["(Kyodo)", "==Kyodo"],
    },
    Agency {
        code: "yonhap",
        short: "Yonhap",
        name: "Yonhap",
        datelines: &["(Yonhap)", "(AP-Yonhap)"],
        bylines: &["Yonhap", "Yonhap News Agency"],
        credits: &["(Yonhap)"],
    },
    Agency {
        code: "upi",
        short: "UPI",
        name: "United Press International",
        datelines: &["(UPI)", "(UPI) --"],
        bylines: &["UPI", "United Press International"],
        credits: &["(UPI)"],
    },
    Agency {
        code: "apa",
        short: "APA",
        name: "Austria Presse Agentur",
        datelines: &["(APA)", "(APA/"],
        bylines: &["APA"],
        credits: &["(APA)"],
    },
    Agency {
        code: "europapress",
        short: "Europa Press",
        name: "Europa Press",
        datelines: &["(EUROPA PRESS)", "(Europa Press)"],
        bylines: &["Europa Press"],
        credits: &["(EUROPA PRESS)"],
    },
];

/// How much of the text a dateline can be in, and a closing credit.
const OPENING_CHARS: usize = 300;
const CLOSING_CHARS: usize = 400;

/// The agency a clip credits, as its code.
pub fn detect(authors: &[String], text: &str) -> Option<&'static str> {
    let opening: String = text.chars().take(OPENING_CHARS).collect();
    let earliest = |marks: fn(&Agency) -> &[&str], region: &str| {
        AGENCIES
            .iter()
            .filter_map(|a| marks(a).iter().filter_map(|m| region.find(m)).min().map(|p| (p, a.code)))
            .min()
            .map(|(_, code)| code)
    };
    if let Some(code) = earliest(|a| a.datelines, &opening) {
        return Some(code);
    }
    // "AP and Times of Israel staff", "Reuters/dpa": each name of a byline on its own.
    let names = authors
        .iter()
        .flat_map(|a| a.split([',', '/', '&', ';']).flat_map(|p| p.split(" and ")))
        .map(|n| crate::text::fold(n.trim()));
    for folded in names {
        if let Some(a) = AGENCIES.iter().find(|a| a.bylines.iter().any(|b| crate::text::fold(b) == folded)) {
            return Some(a.code);
        }
    }
    let total = text.chars().count();
    let closing: String = text.chars().skip(total.saturating_sub(CLOSING_CHARS)).collect();
    // The last credit in the text wins: it is the one that signs it.
    AGENCIES
        .iter()
        .filter_map(|a| a.credits.iter().filter_map(|m| closing.rfind(m)).max().map(|p| (p, a.code)))
        .max()
        .map(|(_, code)| code)
}

/// An agency by its code or one of its names (`ap`, `AP`, `Associated Press`).
pub fn find(value: &str) -> Option<&'static Agency> {
    let folded = crate::text::fold(value.trim());
    AGENCIES.iter().find(|a| {
        a.code == folded
            || crate::text::fold(a.name) == folded
            || a.bylines.iter().any(|b| crate::text::fold(b) == folded)
    })
}

/// The agency's name for a stored code.
pub fn name(code: &str) -> Option<&'static str> {
    AGENCIES.iter().find(|a| a.code == code).map(|a| a.name)
}

/// The agency's short name for a stored code ("AP", "Reuters").
pub fn short_name(code: &str) -> Option<&'static str> {
    AGENCIES.iter().find(|a| a.code == code).map(|a| a.short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(authors: &[&str], text: &str, expected: Option<&str>) {
        let authors: Vec<String> = authors.iter().map(|a| a.to_string()).collect();
        assert_eq!(detect(&authors, text), expected, "{authors:?} {text}");
    }

    #[test]
    fn datelines_bylines_and_credits() {
        check(&[], "MOSCOW (AP) — The Kremlin says President Vladimir Putin called…", Some("ap"));
        check(&[], "BERLIN, July 6 (Reuters) - Germany said on Wednesday…", Some("reuters"));
        check(&[], "МОСКВА, 6 июля. /ТАСС/. Президент России…", Some("tass"));
        check(&[], "新华社北京7月6日电 国家主席…", Some("xinhua"));
        check(&[], "LUTON (dpa-AFX) - La compagnie aérienne…", Some("dpa"));
        check(&["Times of Israel staff", "AP"], "The Kremlin says…", Some("ap"));
        check(&["AP and Times of Israel staff"], "The Kremlin says…", Some("ap"));
        check(&["Agencia EFE"], "Un incendio…", Some("efe"));
        check(&[], "Der Anwalt sagte… Es räche sich nun, dass Alternativmethoden fehlen. mit dpa", Some("dpa"));
        check(&[], "Talks went on. (Reporting by Andrew Osborn; Editing by Alison Williams)", Some("reuters"));
        // A photo credit inside the text is not the story's: the dateline is.
        check(&[], "MOSCOW (AP) — Putin… (Kayhan Ozer/Anadolu Agency via AP, Pool)… (Delil Souleiman/AFP)", Some("ap"));
        check(&["Jane Doe"], "A local council met on Tuesday to discuss the budget.", None);
    }

    #[test]
    fn agencies_are_found_by_code_or_name() {
        assert_eq!(find("AP").map(|a| a.code), Some("ap"));
        assert_eq!(find("Associated Press").map(|a| a.code), Some("ap"));
        assert_eq!(find("reuters").map(|a| a.code), Some("reuters"));
        assert!(find("Daily Planet").is_none());
        assert_eq!(name("afp"), Some("Agence France-Presse"));
    }
}
