#!/usr/bin/env python3
"""Generate data/gazetteer/states.json from maintained data sources.

Sources (all read locally, nothing is fetched at run time):

* Debian ``iso-codes`` (LGPL-2.1+): /usr/share/iso-codes/json/iso_3166-1.json
  and its gettext translations /usr/share/locale/<ll>/LC_MESSAGES/iso_3166-1.mo
* Unicode CLDR (Unicode License v3) territory display names through the PyPI
  package ``babel``, PINNED to babel==2.18.0 (which embeds CLDR 47).
* Unicode CLDR XML from the Debian package ``unicode-cldr-core``
  (/usr/share/unicode/cldr/common): babel drops CLDR's ``alt="short"`` and
  ``alt="variant"`` names ("US", "UK", "Czech Republic", "Ivory Coast"...), so
  they are read from the XML; the XML's main names (an older CLDR release on
  Debian 12: 41) are kept too, which brings in recently renamed forms such as
  "Turkey". The XML also gives CLDR's list of UN members, used to cross-check
  the list below.

Install:
    pip install babel==2.18.0
    apt-get install iso-codes unicode-cldr-core

Run from the repository root:
    python3 tools/gazetteer/build.py

It also rewrites the hand-curated data/gazetteer/organisations.json in
canonical form (sorted, spelling variants and case_sensitive flags added).

Everything typed by hand in this file is in the clearly marked HAND-CURATED
section: the UN membership list (cited), a few display-name overrides, a few
well-known abbreviations / everyday names, homograph flags, and a short
blocklist of wrong iso-codes translations found on review.
"""

import argparse
import gettext
import json
import os
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET

BABEL_PIN = "2.18.0"

ISO_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"
LOCALE_DIR = "/usr/share/locale"
CLDR_XML_DIR = os.environ.get("CLDR_XML_DIR", "/usr/share/unicode/cldr/common")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_PATH = os.path.join(REPO_ROOT, "data", "gazetteer", "states.json")
ORGS_PATH = os.path.join(REPO_ROOT, "data", "gazetteer", "organisations.json")

# Output language tag -> (CLDR locales, iso-codes .mo locales).
# "zh" is Simplified Chinese (CLDR "zh" defaults to zh_Hans; iso-codes zh_CN).
# "pt" merges Brazilian and European Portuguese.
LANGS = {
    "en": (["en"], []),  # English is the iso-codes msgid itself
    "fr": (["fr"], ["fr"]),
    "de": (["de"], ["de"]),
    "es": (["es"], ["es"]),
    "ru": (["ru"], ["ru"]),
    "ar": (["ar"], ["ar"]),
    "he": (["he"], ["he"]),
    "zh": (["zh"], ["zh_CN"]),
    "ja": (["ja"], ["ja"]),
    "tr": (["tr"], ["tr"]),
    "uk": (["uk"], ["uk"]),
    "fa": (["fa"], ["fa"]),
    "pt": (["pt", "pt_PT"], ["pt", "pt_BR"]),
    "it": (["it"], ["it"]),
}
REQUIRED_LANGS = ["en", "fr", "de", "es", "ru", "ar", "he", "zh"]

# =====================================================================
# HAND-CURATED SECTION
# =====================================================================

# The 193 UN member states, ISO 3166-1 alpha-2, in the order of the UN's own
# list "Member States" (https://www.un.org/en/about-us/member-states).
# Cross-checked at run time against CLDR supplementalData <group type="UN">.
UN_MEMBERS = """
AF AL DZ AD AO AG AR AM AU AT AZ
BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI
CV KH CM CA CF TD CL CN CO KM CG CR CI HR CU CY CZ
KP CD DK DJ DM DO
EC EG SV GQ ER EE SZ ET
FJ FI FR
GA GM GE DE GH GR GD GT GN GW GY
HT HN HU
IS IN ID IR IQ IE IL IT
JM JP JO
KZ KE KI KW KG
LA LV LB LS LR LY LI LT LU
MG MW MY MV ML MT MH MR MU MX FM MC MN ME MA MZ MM
NA NR NP NL NZ NI NE NG MK NO
OM
PK PW PA PG PY PE PH PL PT
QA
KR MD RO RU RW
KN LC VC WS SM ST SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH SY
TJ TH TL TG TO TT TN TR TM TV
UG UA AE GB TZ US UY UZ
VU VE VN
YE
ZM ZW
""".split()

# Non-member observer states (same UN source, "Non-member States").
UN_OBSERVERS = ["VA", "PS"]

# Other widely reported states with limited recognition (status "other").
OTHER_STATES = ["XK", "TW"]

# English display-name overrides where neither CLDR nor ISO offers a usable
# common name (CLDR en: "Palestinian Territories", "Congo - Kinshasa", ...).
NAME_OVERRIDES = {
    "PS": "Palestine",
    "CD": "DR Congo",
    "CG": "Republic of the Congo",
}

# Well-known abbreviations and everyday names that neither source carries.
HAND_ALIASES = {
    "US": [("en", "USA"), ("en", "U.S."), ("en", "U.S.A."), ("es", "EE.UU.")],
    "GB": [("en", "U.K."), ("en", "Britain"), ("en", "Great Britain")],
    "AE": [("en", "UAE"), ("fr", "EAU"), ("es", "EAU"), ("de", "VAE"), ("ru", "ОАЭ")],
    "KP": [("en", "DPRK"), ("fr", "RPDC"), ("ru", "КНДР")],
    "KR": [("en", "ROK")],
    "CN": [("en", "PRC"), ("ru", "КНР")],
    "CD": [("en", "DRC"), ("en", "DR Congo"), ("fr", "RDC")],
    "SA": [("en", "KSA")],
    "DE": [("ru", "ФРГ")],
    "VA": [("en", "Vatican")],
}

# Aliases that are also common words, given names or other places. They are
# kept (the states need them) but flagged "ambiguous": a matcher should want
# extra context before tagging. Matching is by exact alias string.
AMBIGUOUS = {
    "Chad": "also a given name",
    "Jordan": "also a given name and a river",
    "Georgia": "also a US state",
    "Géorgie": "also the US state",
    "Geórgia": "also the US state",
    "ジョージア": "also the US state",
    "ירדן": "also a river and a given name (Yarden)",
    "Mısır": "Turkish 'mısır' = maize",
    "چین": "Persian 'chin' = fold, wrinkle",
    "عمان": "unvocalised Arabic script also spells Amman, capital of Jordan",
    "苏丹": "also 'sultan'; inside 阿曼苏丹国 (Oman)",
    "タイ": "katakana also in タイトル, タイプ, ... and 'sea bream'",
    "マリ": "katakana also in マリオ, マリー, ...",
    "チリ": "also 'dust' and 'chili'",
    "Того": "Russian/Ukrainian 'того' (of that) at sentence start",
    "Чад": "Russian 'чад' = fumes, at sentence start",
    "הודו": "also 'turkey' (bird) and 'give thanks'",
    "مالي": "Arabic 'مالي' = financial",
    "مالی": "Persian 'مالی' = financial",
    "چک": "Persian 'چک' = cheque",
}

# Bare one- or two-letter tokens in cased scripts ("RU", "BK") are dropped,
# except these; dotted forms ("U.K.", "É.-U.") are distinctive and kept.
KEEP_SHORT = {"US", "UK"}

# For these codes a bracketed part in a CLDR name is a disambiguator (a
# capital city, or "Republic"), not an alternative name: keep it only when it
# is an abbreviation such as "DRC".
PAREN_IS_QUALIFIER = {"CD", "CG"}

# iso-codes English names not used (nor their translations).
ISO_SKIP = {
    "Congo": "running text calls both Congos this; CLDR's Congo-Brazzaville etc. are used instead",
}

# Wrong or misleading iso-codes translations noticed while reviewing the
# iso-codes-only aliases (python3 tools/gazetteer/build.py --provenance FILE).
BLOCKLIST = {
    ("CF", "zh", "中非"): "also 'China-Africa' (中非合作论坛)",
    ("MD", "ar", "المالديف"): "means the Maldives",
    ("MK", "he", "צפון קלדוניה"): "means 'North Caledonia'",
    ("VA", "ar", "المقعد المقدس"): "literal 'holy seat', not used for the Holy See",
    ("GR", "ar", "الجمهورية الهلنستية"): "means 'Hellenistic Republic'",
    ("DM", "zh", "米尼克共和国"): "truncated name",
    ("DM", "ja", "ドミニカ"): "usually means the Dominican Republic",
}

# =====================================================================

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff\u2060"))
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alif, tatweel
ASCII_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u05f3": "'", "\u05f4": '"'})


def die(msg):
    sys.exit("build.py: " + msg)


def dpkg_version(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def debian_licence(pkg):
    """First 'License:' field of a Debian package's machine-readable copyright file."""
    try:
        for line in open(f"/usr/share/doc/{pkg}/copyright", encoding="utf-8"):
            if line.startswith("License:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "see the package's copyright file"


def clean(s, lang):
    s = unicodedata.normalize("NFC", s).translate(ZERO_WIDTH)
    s = s.replace("\u00a0", " ").replace("\u202f", " ")
    s = re.sub(r"\s+", " ", s).strip()
    if lang in ("ar", "fa"):
        s = ARABIC_MARKS.sub("", s)
    if lang in ("ru", "uk"):
        s = s.replace("\u0301", "")  # stress marks
    if lang == "en" and s.startswith("the "):
        s = s[4:]
    if lang == "fr":
        s = re.sub(r"^(l'|l’|la |le |les )", "", s)
    return s


def cased_letters(s):
    return [c for c in s if c.isalpha() and (c.isupper() or c.islower())]


def is_abbreviation(s):
    """"USA", "É.-U.", "EE. UU.", "США", "ОАЭ": short and all capitals."""
    letters = [c for c in s if c.isalpha()]
    cased = cased_letters(s)
    return bool(cased) and len(cased) == len(letters) and len(letters) <= 6 and all(c.isupper() for c in cased)


def expand(code, lang, raw):
    """One source string -> the alias strings it yields."""
    s = clean(raw, lang)
    if not s:
        return []
    # "Congo - Kinshasa" -> "Congo-Kinshasa"
    s = re.sub(r"\s+[-–]\s+", "-", s)
    out = []
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", s)  # ASCII brackets only; 刚果（金） stays whole
    if m:
        head, inner = m.group(1).strip(), m.group(2).strip()
        out.append(head)
        if code not in PAREN_IS_QUALIFIER or is_abbreviation(inner):
            out.append(inner)
    else:
        out.append(s)
    out = [a[:1].upper() + a[1:] if a[:1].islower() else a for a in out]
    if lang == "en":
        out += [a.replace(" & ", " and ") for a in out if " & " in a]
    return [v for a in out for v in spelling_variants(lang, a)]


def spelling_variants(lang, a):
    """ASCII-folded apostrophes/quotes; Hebrew ASCII quotes -> gershayim; Russian ё -> е."""
    out = [a]
    folded = a.translate(ASCII_FOLD)
    out.append(folded)
    if lang == "he":
        out.append(folded.replace('"', "\u05f4").replace("'", "\u05f3"))
    if lang == "ru" and "ё" in a.lower():
        out.append(a.replace("ё", "е").replace("Ё", "Е"))
    seen = []
    for v in out:
        if v not in seen:
            seen.append(v)
    return seen


def normalise_organisations(path, quiet):
    """Sort organisations.json, add spelling variants and case_sensitive flags.

    The file is hand-curated; this only rewrites it in canonical form
    (idempotent), so hand edits can be made in any order.
    """
    if not os.path.exists(path):
        return
    doc = json.load(open(path, encoding="utf-8"))
    for o in doc["organisations"]:
        merged = {}
        for a in o["aliases"]:
            name = clean(a["name"], a["lang"])
            for v in spelling_variants(a["lang"], name):
                item = merged.setdefault((a["lang"], v), {"name": v, "lang": a["lang"]})
                if a.get("ambiguous"):
                    item["ambiguous"] = True
        out = []
        for key in sorted(merged):
            item = {"name": merged[key]["name"], "lang": merged[key]["lang"]}
            if is_abbreviation(item["name"]):
                item["case_sensitive"] = True
            if merged[key].get("ambiguous"):
                item["ambiguous"] = True
            out.append(item)
        o["aliases"] = out
    doc["organisations"].sort(key=lambda o: o["id"])
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    if not quiet:
        print(f"normalised {path}: {len(doc['organisations'])} organisations, "
              f"{sum(len(o['aliases']) for o in doc['organisations'])} aliases")


def load_cldr_xml(locale):
    """(main, alt) territory names from a CLDR XML file: {code: [names]}."""
    path = os.path.join(CLDR_XML_DIR, "main", locale + ".xml")
    if not os.path.exists(path):
        return {}
    names = {}
    for el in ET.parse(path).getroot().iterfind("./localeDisplayNames/territories/territory"):
        if el.get("draft") in ("unconfirmed", "provisional"):
            continue
        if el.get("alt") not in (None, "short", "variant"):
            continue
        names.setdefault(el.get("type"), []).append(el.text or "")
    return names


def cldr_un_group():
    path = os.path.join(CLDR_XML_DIR, "supplemental", "supplementalData.xml")
    for el in ET.parse(path).getroot().iterfind("./territoryContainment/group"):
        if el.get("type") == "UN" and not el.get("status"):
            return set(el.get("contains").split())
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=OUT_PATH)
    ap.add_argument("--organisations", default=ORGS_PATH,
                    help="hand-curated file to normalise in place (default: %(default)s)")
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("--provenance", metavar="FILE",
                    help="also write code/lang/alias/sources as TSV, for reviewing iso-codes-only names")
    args = ap.parse_args()

    try:
        import babel
        from babel import Locale
        from babel.core import get_global
    except ImportError:
        die("babel is missing: pip install babel==" + BABEL_PIN)
    if babel.__version__ != BABEL_PIN:
        die(f"babel {babel.__version__} installed, this script is pinned to {BABEL_PIN}: "
            f"pip install babel=={BABEL_PIN}")
    if not os.path.exists(ISO_JSON):
        die("iso-codes is missing: apt-get install iso-codes")
    if not os.path.isdir(os.path.join(CLDR_XML_DIR, "main")):
        die("CLDR XML is missing: apt-get install unicode-cldr-core (or set CLDR_XML_DIR)")

    # ---- membership ---------------------------------------------------
    if len(UN_MEMBERS) != 193 or len(set(UN_MEMBERS)) != 193:
        die(f"UN_MEMBERS has {len(set(UN_MEMBERS))} distinct codes, expected 193")
    cldr_un = cldr_un_group()
    if cldr_un is not None and cldr_un != set(UN_MEMBERS):
        die("UN_MEMBERS differs from CLDR's UN group: only here %s, only in CLDR %s"
            % (sorted(set(UN_MEMBERS) - cldr_un), sorted(cldr_un - set(UN_MEMBERS))))
    status = {c: "un_member" for c in UN_MEMBERS}
    status.update({c: "un_observer" for c in UN_OBSERVERS})
    status.update({c: "other" for c in OTHER_STATES})

    iso = {e["alpha_2"]: e for e in json.load(open(ISO_JSON, encoding="utf-8"))["3166-1"]}
    for c in UN_MEMBERS + UN_OBSERVERS:
        if c not in iso:
            die(f"{c} not in iso-codes")

    # ---- collect raw names -------------------------------------------
    raw = {c: [] for c in status}  # code -> [(lang, string, source)]

    def add(c, lang, s, src):
        if s:
            raw[c].append((lang, s, src))

    # iso-codes: inverted names ("Korea, Republic of") are not running-text
    # forms; such msgids are skipped in every language.
    def iso_msgids(e):
        ids = []
        for key in ("name", "official_name", "common_name"):
            v = e.get(key)
            if v and "," not in v and v not in ids and v not in ISO_SKIP:
                ids.append(v)
        return ids

    translators = {}
    for lang, (_, mos) in LANGS.items():
        translators[lang] = []
        for mo in mos:
            try:
                translators[lang].append(gettext.translation("iso_3166-1", LOCALE_DIR, languages=[mo]))
            except OSError:
                print(f"warning: no iso-codes translation for {mo}", file=sys.stderr)

    for c in status:
        e = iso.get(c)
        if not e:
            continue
        for msgid in iso_msgids(e):
            add(c, "en", msgid, "iso")
            for lang, ts in translators.items():
                for t in ts:
                    tr = t.gettext(msgid)
                    if tr != msgid:
                        add(c, lang, tr, "iso")

    # CLDR via babel (current release) and via the XML (alt names + older main names).
    for lang, (locales, _) in LANGS.items():
        for loc in locales:
            terr = Locale.parse(loc).territories
            xml = load_cldr_xml(loc)
            for c in status:
                add(c, lang, terr.get(c), "cldr")
                for s in xml.get(c, []):
                    add(c, lang, s, "cldr")

    for c, pairs in HAND_ALIASES.items():
        for lang, s in pairs:
            add(c, lang, s, "hand")

    # ---- display names ------------------------------------------------
    en = Locale.parse("en").territories
    names = {}
    for c in status:
        n = NAME_OVERRIDES.get(c) or en.get(c)
        if n and " & " in n and not n.startswith("St. "):
            n = n.replace(" & ", " and ")  # São Tomé & Príncipe
        if not n or re.search(r"[&(]| - |^St\. ", n):
            e = iso.get(c, {})
            n = e.get("common_name") or (e.get("name") if "," not in e.get("name", ",") else None) or n
        names[c] = clean(n, "en")
        add(c, "en", names[c], "hand" if c in NAME_OVERRIDES else "cldr")

    # ---- expand, filter ----------------------------------------------
    # aliases[c][(lang, alias)] = set of sources it came from
    dropped = []
    aliases = {c: {} for c in status}
    for c, items in raw.items():
        for lang, s, src in items:
            for a in expand(c, lang, s):
                aliases[c].setdefault((lang, a), set()).add(src)
        for (lang, a) in list(aliases[c]):
            why = None
            if re.search("[,،，、]", a):
                why = "inverted form (comma)"
            elif (c, lang, a) in BLOCKLIST:
                why = "blocklist: " + BLOCKLIST[(c, lang, a)]
            if why:
                del aliases[c][(lang, a)]
                dropped.append((c, lang, a, why))
                continue
            if re.fullmatch(r"\w{1,2}", a) and cased_letters(a) and a not in KEEP_SHORT:
                del aliases[c][(lang, a)]
                dropped.append((c, lang, a, "two-letter token"))

    # An alias claimed by several states: if exactly one claim is backed by
    # CLDR or the hand list, the iso-codes-only claims are translation errors
    # and go; otherwise ("Congo") the alias is ambiguous and goes everywhere.
    # The bare "Congo" hidden in "Congo-Kinshasa" / 刚果（金） is claimed for both.
    for c in PAREN_IS_QUALIFIER:
        for (lang, a), srcs in list(aliases[c].items()):
            m = re.match(r"(.+?)(-|（)", a)
            if m and srcs - {"iso"}:
                for other in PAREN_IS_QUALIFIER:
                    aliases[other].setdefault((lang, m.group(1)), set()).add("cldr")

    owners = {}
    for c, al in aliases.items():
        for (lang, a), srcs in al.items():
            owners.setdefault(a.casefold(), {}).setdefault(c, set()).update(srcs)
    for key, by_code in owners.items():
        if len(by_code) < 2:
            continue
        strong = [c for c, srcs in by_code.items() if srcs - {"iso"}]
        for c in by_code:
            if len(strong) == 1 and c == strong[0]:
                continue
            why = ("iso-codes translation also claimed by CLDR for " + strong[0]) if len(strong) == 1 \
                else "shared by " + " ".join(sorted(by_code))
            for (lang, a) in [k for k in aliases[c] if k[1].casefold() == key]:
                del aliases[c][(lang, a)]
                dropped.append((c, lang, a, why))

    # ---- write --------------------------------------------------------
    states = []
    for c in sorted(status):
        out_aliases = []
        for lang, a in sorted(aliases[c]):
            item = {"name": a, "lang": lang}
            if is_abbreviation(a):
                item["case_sensitive"] = True
            if a in AMBIGUOUS:
                item["ambiguous"] = True
            out_aliases.append(item)
        states.append({"code": c, "name": names[c], "status": status[c], "aliases": out_aliases})

    doc = {
        "source": {
            "generator": "tools/gazetteer/build.py",
            "iso-codes": f"{dpkg_version('iso-codes')} (Debian; {debian_licence('iso-codes')})",
            "babel": babel.__version__,
            "cldr_via_babel": get_global("cldr")["version"] + " (Unicode License v3)",
            "cldr_xml": f"unicode-cldr-core {dpkg_version('unicode-cldr-core')} "
                        f"(Debian; alt short/variant names and older main names; "
                        f"{debian_licence('unicode-cldr-core')})",
            "un_membership": "https://www.un.org/en/about-us/member-states (hand-written list in build.py, "
                             "checked against CLDR supplementalData group UN)",
            "hand_curated": "build.py HAND-CURATED section: name overrides, a few abbreviations "
                            "and everyday names, homograph flags, blocklisted iso-codes translations",
            "languages": list(LANGS),
        },
        "states": states,
    }
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")

    normalise_organisations(args.organisations, args.quiet)

    if args.provenance:
        with open(args.provenance, "w", encoding="utf-8") as f:
            for c in sorted(aliases):
                for (lang, a), srcs in sorted(aliases[c].items()):
                    f.write(f"{c}\t{lang}\t{a}\t{','.join(sorted(srcs))}\n")

    if not args.quiet:
        for c, lang, a, why in sorted(dropped):
            print(f"dropped {c} {lang} {a!r}: {why}")
        print(f"wrote {args.output}: {len(states)} states, "
              f"{sum(len(s['aliases']) for s in states)} aliases")


if __name__ == "__main__":
    main()
