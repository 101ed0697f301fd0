#!/usr/bin/env python3
"""Sanity checks for data/gazetteer/states.json and organisations.json.

    python3 tools/gazetteer/check.py            # exit status 1 on failure
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIRED_LANGS = ["en", "fr", "de", "es", "ru", "ar", "he", "zh"]
SHOW = ["RU", "SY", "US", "IL", "PS", "VA"]

failed = False


def fail(msg):
    global failed
    failed = True
    print("FAIL:", msg)


def check_aliases(kind, key, items):
    for it in items:
        al = it["aliases"]
        pairs = [(a["lang"], a["name"]) for a in al]
        if pairs != sorted(pairs):
            fail(f"{kind} {it[key]}: aliases not sorted by lang, name")
        if len(set(pairs)) != len(pairs):
            fail(f"{kind} {it[key]}: duplicate aliases")
        for a in al:
            if a["name"] != a["name"].strip() or not a["name"]:
                fail(f"{kind} {it[key]}: bad alias {a!r}")


states_doc = json.load(open(os.path.join(ROOT, "data/gazetteer/states.json"), encoding="utf-8"))
states = states_doc["states"]
codes = [s["code"] for s in states]
by_status = {}
for s in states:
    by_status.setdefault(s["status"], []).append(s["code"])
print(f"states: {len(states)} total; UN members {len(by_status.get('un_member', []))}, "
      f"observers {len(by_status.get('un_observer', []))} ({' '.join(by_status.get('un_observer', []))}), "
      f"other {len(by_status.get('other', []))} ({' '.join(by_status.get('other', []))})")
if len(by_status.get("un_member", [])) != 193:
    fail("expected 193 UN members")
if sorted(by_status.get("un_observer", [])) != ["PS", "VA"]:
    fail("expected observers PS and VA")
if codes != sorted(codes) or len(set(codes)) != len(codes):
    fail("states not sorted / unique by code")
check_aliases("state", "code", states)

for lang in REQUIRED_LANGS:
    missing = [s["code"] for s in states if not any(a["lang"] == lang for a in s["aliases"])]
    print(f"  missing {lang}: {missing if missing else 'none'}")
    if missing:
        fail(f"states without a {lang} name: {missing}")

owner = {}
for s in states:
    for a in s["aliases"]:
        owner.setdefault(a["name"].casefold(), set()).add(s["code"])
clash = {k: v for k, v in owner.items() if len(v) > 1}
if clash:
    fail(f"aliases shared between states: {clash}")

orgs_path = os.path.join(ROOT, "data/gazetteer/organisations.json")
if os.path.exists(orgs_path):
    orgs = json.load(open(orgs_path, encoding="utf-8"))["organisations"]
    ids = [o["id"] for o in orgs]
    if len(set(ids)) != len(ids):
        fail("duplicate organisation ids")
    for o in orgs:
        if o.get("type") != "organisation":
            fail(f"{o['id']}: type is not 'organisation'")
        if o.get("parent") and o["parent"] not in ids:
            fail(f"{o['id']}: unknown parent {o['parent']}")
    check_aliases("organisation", "id", orgs)
    org_owner = {}
    for o in orgs:
        for a in o["aliases"]:
            org_owner.setdefault(a["name"].casefold(), set()).add(o["id"])
    for k, v in org_owner.items():
        if len(v) > 1:
            fail(f"organisation alias {k!r} shared by {sorted(v)}")
        if k in owner:
            fail(f"organisation alias {k!r} ({sorted(v)}) is also a state alias ({sorted(owner[k])})")
    n_alias = sum(len(o["aliases"]) for o in orgs)
    print(f"organisations: {len(orgs)}, {n_alias} aliases")
    for lang in REQUIRED_LANGS:
        n = sum(1 for o in orgs if any(a["lang"] == lang for a in o["aliases"]))
        print(f"  with a {lang} alias: {n}")

if "-q" not in sys.argv:
    for s in states:
        if s["code"] in SHOW:
            print(json.dumps(s, ensure_ascii=False, indent=1))

print("check:", "FAILED" if failed else "ok")
sys.exit(1 if failed else 0)
