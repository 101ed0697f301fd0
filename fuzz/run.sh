#!/usr/bin/env bash
# Runs every fuzz target for a set time (default 600 s each), two at a time, seeded from the real
# pages in ../shared/data and the fixtures; prints executions and crashes per target.
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); runs on the stable toolchain with
# RUSTC_BOOTSTRAP=1 for the sanitizer flags, so no nightly is needed.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${1:-600}"
DATA="${CLIPDESK_DATA:-../../shared/data}"
mkdir -p corpus/extract corpus/charset corpus/query corpus/digest corpus/pipeline corpus/import artifacts

# Seeds: real pages (decompressed), the fixtures, queries from the tests and benches.
if [ -d "$DATA/zyte-article-extraction-benchmark/html" ] && [ -z "$(ls -A corpus/extract)" ]; then
  for f in "$DATA"/zyte-article-extraction-benchmark/html/*.html.gz; do
    zcat "$f" | head -c 200000 > "corpus/extract/$(basename "$f" .html.gz)"
  done
fi
cp ../tests/fixtures/pages/*.html ../tests/fixtures/hostile/*.html corpus/extract/ 2>/dev/null || true
cp ../tests/fixtures/pages/*.html corpus/charset/ 2>/dev/null || true
# The pipeline: the fixtures, and news texts in ten languages (the dateline crash was in text).
if [ -z "$(ls -A corpus/pipeline)" ]; then
  cp ../tests/fixtures/pages/*.html corpus/pipeline/ 2>/dev/null || true
  if [ -f "$DATA/semeval2022-task8-dev/pairs.csv" ]; then
    python3 - "$DATA/semeval2022-task8-dev/pairs.csv" corpus/pipeline <<'PY'
import csv, sys, hashlib
for row in list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))[:400]:
    for t in (row["text1"], row["text2"]):
        open(f"{sys.argv[2]}/{hashlib.sha1(t.encode()).hexdigest()[:12]}", "w", encoding="utf-8").write(t)
PY
  fi
fi
for q in 'Kremlin' '"better coordination"' 'Putin OR Obama' 'Syria -Aleppo' 'NEAR(Trump China, 10)' 'sanction*' \
         'title:police' 'topic:Conflicts/Syria after:2018-01-01' 'actor:"United States" China' 'clipped:2026-11-01..2026-11-30' \
         '(a OR (b AND NOT c)) "x y"' 'saved:"Weekly"' 'has:note lang:ru' 'Путин' '普京'; do
  printf '%s' "$q" > "corpus/query/$(printf '%s' "$q" | sha1sum | cut -c1-12)"
done
# Imports: each fixture behind the byte that picks its format (the order of `Format::ALL`).
i=0
for f in bookmarks.html pocket.csv wallabag.json omnivore/metadata_0_to_3.json karakeep.json linkwarden.json \
         zotero.csl.json zotero.ris urls.txt; do
  { printf "\\$(printf '%03o' "$i")"; cat "../tests/fixtures/imports/$f"; } > "corpus/import/$(basename "$f")"
  i=$((i + 1))
done
printf 'Putin calls Obama\x01AP\x01The Kremlin said on Wednesday. Moscow and Washington talked. Syria was discussed.\x01note\x01https://example.com/a\x01Diplomacy\x01Author\x01Title\x01Sub\x01Internal\x01Summary' > corpus/digest/seed

run() {
  local target=$1
  local log="artifacts/$target.log" started=$SECONDS
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -max_len=1048576 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target-" > "$log" 2>&1 || true
  local execs crashes
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(ls artifacts/ | grep -c "^$target-\(crash\|leak\|timeout\|oom\)" || true)
  echo "$target: ${execs:-?} executions in $((SECONDS - started)) s, $crashes crashes/timeouts"
}

RUSTC_BOOTSTRAP=1 cargo fuzz build
run extract & run query & wait
run charset & run digest & wait
run pipeline & run import & wait
