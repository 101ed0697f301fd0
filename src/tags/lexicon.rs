//! Word lists that tell names from ordinary words: places (not actors) and each language's
//! most frequent words (a capitalised one at a sentence start is not a name). Generated from
//! GeoNames and wordfreq by `tools/lexicon/build.py`; see `data/lexicon/README.md`.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::text::fold;

const PLACES: &str = include_str!("../../data/lexicon/places.txt");
const COMMON: &[&str] = &[
    include_str!("../../data/lexicon/common-en.txt"),
    include_str!("../../data/lexicon/common-ru.txt"),
    include_str!("../../data/lexicon/common-fr.txt"),
    include_str!("../../data/lexicon/common-de.txt"),
    include_str!("../../data/lexicon/common-es.txt"),
];

static PLACE_SET: LazyLock<HashSet<String>> =
    LazyLock::new(|| PLACES.lines().map(fold).filter(|l| !l.is_empty()).collect());
static COMMON_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON.iter().flat_map(|list| list.lines()).map(str::trim).filter(|l| !l.is_empty()).collect());

/// Nationality adjectives, derived from the gazetteer's state names by English's regular
/// patterns (Russia → Russian, China → Chinese, Israel → Israeli) plus the irregular ones.
static DEMONYMS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut set: HashSet<String> = IRREGULAR_DEMONYMS.iter().map(|d| d.to_string()).collect();
    for actor in super::gazetteer::actors() {
        if !actor.source.starts_with("gazetteer:state:") {
            continue;
        }
        let name = fold(&actor.name);
        if name.contains(' ') {
            continue;
        }
        let stem_vowel = name.trim_end_matches(['a', 'e', 'o', 'y']);
        for d in [
            format!("{name}n"),
            format!("{name}i"),
            format!("{name}ian"),
            format!("{name}ese"),
            format!("{stem_vowel}an"),
            format!("{stem_vowel}ian"),
            format!("{stem_vowel}ese"),
            format!("{stem_vowel}ish"),
            format!("{name}ean"),
            format!("{stem_vowel}ean"),
        ] {
            set.insert(d);
        }
    }
    set
});

const IRREGULAR_DEMONYMS: &[&str] = &[
    "french",
    "british",
    "english",
    "scottish",
    "welsh",
    "irish",
    "dutch",
    "swiss",
    "greek",
    "danish",
    "swedish",
    "finnish",
    "norwegian",
    "polish",
    "spanish",
    "turkish",
    "kurdish",
    "thai",
    "filipino",
    "saudi",
    "emirati",
    "afghan",
    "uzbek",
    "kazakh",
    "tajik",
    "kyrgyz",
    "turkmen",
    "czech",
    "slovak",
    "serb",
    "serbian",
    "croat",
    "croatian",
    "bosnian",
    "arab",
    "arabic",
    "european",
    "asian",
    "african",
    "american",
    "latin",
    "soviet",
    "palestinian",
    "sunni",
    "shiite",
    "shia",
    "muslim",
    "christian",
    "jewish",
    "catholic",
    "orthodox",
    "western",
    "eastern",
    "northern",
    "southern",
    "iranian",
    "iraqi",
    "israeli",
    "syrian",
    "russian",
    "ukrainian",
    "chinese",
    "japanese",
    "korean",
    "vietnamese",
    "portuguese",
    "lebanese",
    "sudanese",
    "yemeni",
    "omani",
    "qatari",
    "kuwaiti",
    "bahraini",
    "jordanian",
    "egyptian",
    "libyan",
    "tunisian",
    "algerian",
    "moroccan",
    "nigerian",
    "kenyan",
    "ethiopian",
    "somali",
    "mexican",
    "brazilian",
    "argentine",
    "argentinian",
    "chilean",
    "peruvian",
    "colombian",
    "venezuelan",
    "cuban",
    "canadian",
    "australian",
    "indian",
    "pakistani",
    "bangladeshi",
    "german",
    "italian",
    "belgian",
    "austrian",
    "hungarian",
    "romanian",
    "bulgarian",
    "belarusian",
    "georgian",
    "armenian",
    "azerbaijani",
    "azeri",
    "moldovan",
    "lithuanian",
    "latvian",
    "estonian",
    "icelandic",
    "maltese",
    "cypriot",
    "new zealander",
    "indonesian",
    "malaysian",
    "singaporean",
    "burmese",
    "cambodian",
    "laotian",
    "mongolian",
    "tibetan",
    "uyghur",
    "chechen",
    "dagestani",
    "tatar",
    "basque",
    "catalan",
    "flemish",
    "hispanic",
    "persian",
    "pashtun",
    "baloch",
    "yazidi",
    "druze",
    "alawite",
    "coptic",
    "bedouin",
    "crimean",
    "caucasian",
    "balkan",
    "scandinavian",
    "nordic",
    "baltic",
    "slavic",
    "semitic",
    "anglo",
    "ottoman",
    "democratic",
    "republican",
    "liberal",
    "conservative",
    "socialist",
    "communist",
    "islamic",
    "islamist",
    "zionist",
    "nationalist",
    "federal",
    "national",
    "international",
    "global",
    "royal",
    "imperial",
];

/// Nationality adjectives whose state the English patterns cannot derive.
const IRREGULAR_STATE_DEMONYMS: &[(&str, &str)] = &[
    ("french", "FR"),
    ("british", "GB"),
    ("english", "GB"),
    ("scottish", "GB"),
    ("welsh", "GB"),
    ("irish", "IE"),
    ("dutch", "NL"),
    ("swiss", "CH"),
    ("greek", "GR"),
    ("danish", "DK"),
    ("swedish", "SE"),
    ("finnish", "FI"),
    ("norwegian", "NO"),
    ("polish", "PL"),
    ("spanish", "ES"),
    ("turkish", "TR"),
    ("thai", "TH"),
    ("filipino", "PH"),
    ("saudi", "SA"),
    ("emirati", "AE"),
    ("afghan", "AF"),
    ("uzbek", "UZ"),
    ("kazakh", "KZ"),
    ("tajik", "TJ"),
    ("kyrgyz", "KG"),
    ("turkmen", "TM"),
    ("czech", "CZ"),
    ("slovak", "SK"),
    ("serb", "RS"),
    ("croat", "HR"),
    ("argentine", "AR"),
    ("icelandic", "IS"),
    ("maltese", "MT"),
    ("cypriot", "CY"),
    ("burmese", "MM"),
    ("laotian", "LA"),
    ("american", "US"),
    ("portuguese", "PT"),
    ("israeli", "IL"),
    ("iraqi", "IQ"),
    ("pakistani", "PK"),
    ("bangladeshi", "BD"),
    ("yemeni", "YE"),
    ("qatari", "QA"),
    ("kuwaiti", "KW"),
    ("bahraini", "BH"),
    ("omani", "OM"),
    ("somali", "SO"),
    ("azerbaijani", "AZ"),
    ("azeri", "AZ"),
    ("belarusian", "BY"),
    ("moldovan", "MD"),
    ("new zealander", "NZ"),
    ("peruvian", "PE"),
    ("ecuadorian", "EC"),
    ("ecuadorean", "EC"),
    ("malagasy", "MG"),
    ("monegasque", "MC"),
    ("luxembourgish", "LU"),
    ("lebanese", "LB"),
    ("sudanese", "SD"),
    ("palestinian", "PS"),
    ("vietnamese", "VN"),
    ("chinese", "CN"),
    ("japanese", "JP"),
    ("senegalese", "SN"),
    ("congolese", "CD"),
    ("nigerien", "NE"),
    ("nigerian", "NG"),
    ("ghanaian", "GH"),
    ("malawian", "MW"),
    ("zimbabwean", "ZW"),
    ("mozambican", "MZ"),
    ("libyan", "LY"),
    ("egyptian", "EG"),
    ("syrian", "SY"),
    ("jordanian", "JO"),
    ("iranian", "IR"),
    ("armenian", "AM"),
    ("georgian", "GE"),
    ("ukrainian", "UA"),
    ("russian", "RU"),
    ("german", "DE"),
    ("italian", "IT"),
    ("austrian", "AT"),
    ("hungarian", "HU"),
    ("romanian", "RO"),
    ("bulgarian", "BG"),
    ("croatian", "HR"),
    ("serbian", "RS"),
    ("bosnian", "BA"),
    ("albanian", "AL"),
    ("lithuanian", "LT"),
    ("latvian", "LV"),
    ("estonian", "EE"),
    ("indian", "IN"),
    ("indonesian", "ID"),
    ("malaysian", "MY"),
    ("singaporean", "SG"),
    ("cambodian", "KH"),
    ("mongolian", "MN"),
    ("korean", "KR"),
    ("north korean", "KP"),
    ("south korean", "KR"),
    ("mexican", "MX"),
    ("brazilian", "BR"),
    ("argentinian", "AR"),
    ("chilean", "CL"),
    ("colombian", "CO"),
    ("venezuelan", "VE"),
    ("cuban", "CU"),
    ("canadian", "CA"),
    ("australian", "AU"),
    ("kenyan", "KE"),
    ("ethiopian", "ET"),
    ("eritrean", "ER"),
    ("algerian", "DZ"),
    ("moroccan", "MA"),
    ("tunisian", "TN"),
    ("rwandan", "RW"),
    ("ugandan", "UG"),
    ("tanzanian", "TZ"),
    ("south african", "ZA"),
    ("belgian", "BE"),
    ("nepalese", "NP"),
    ("sri lankan", "LK"),
    ("bolivian", "BO"),
    ("paraguayan", "PY"),
    ("uruguayan", "UY"),
    ("haitian", "HT"),
    ("jamaican", "JM"),
    ("chadian", "TD"),
    ("malian", "ML"),
    ("sudanese", "SD"),
    ("south sudanese", "SS"),
    ("yemenite", "YE"),
    ("saudi arabian", "SA"),
    ("kosovar", "XK"),
    ("taiwanese", "TW"),
    ("vatican", "VA"),
];

/// The English nationality adjectives of states, by state code ("RU" → "Russian"), so a story
/// about "the Armenian and Azerbaijani presidents" is tagged Armenia and Azerbaijan.
pub fn state_demonyms() -> &'static [(&'static str, &'static str)] {
    IRREGULAR_STATE_DEMONYMS
}

/// A nationality, religious or political adjective ("Russian", "Sunni", "Republican").
pub fn is_demonym(word: &str) -> bool {
    DEMONYMS.contains(&fold(word))
}

/// English names of states (from the gazetteer), folded.
static STATE_NAMES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    super::gazetteer::actors()
        .into_iter()
        .filter(|a| a.source.starts_with("gazetteer:state:"))
        .flat_map(|a| {
            let mut names = vec![fold(&a.name)];
            names.extend(a.aliases.iter().filter(|x| x.lang.as_deref() == Some("en")).map(|x| fold(&x.name)));
            names
        })
        .collect()
});

/// The English name of a state ("Japan", "United States").
pub fn is_state_name(name: &str) -> bool {
    STATE_NAMES.contains(&fold(name))
}

/// A city, region, state or continent (folded comparison).
pub fn is_place(name: &str) -> bool {
    PLACE_SET.contains(&fold(name))
}

/// One of the most frequent words of a supported language (given in lower case).
pub fn is_common(lower: &str) -> bool {
    COMMON_SET.contains(lower)
}

/// Every word of the frequency lists with its rank in its language (1 = most frequent), for
/// weighting terms by how common they are before a library has statistics of its own.
pub fn common_ranked() -> impl Iterator<Item = (&'static str, usize)> {
    COMMON.iter().flat_map(|list| list.lines().map(str::trim).filter(|l| !l.is_empty()).zip(1..))
}
