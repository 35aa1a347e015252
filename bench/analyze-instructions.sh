#!/usr/bin/env bash
# The analyzer cost ratio in executed instructions (valgrind's callgrind), which, unlike seconds,
# does not change with the machine's load: parsing alone vs the whole analysis, on the same corpus.
# Node runs single-threaded (no background compilation or garbage-collection threads), so the
# count does not depend on how those threads were scheduled: repeated runs agree within about 1%.
# Usage: npm run build && bash bench/analyze-instructions.sh [MB] [CORPUS_DIR]
#   (default 5 MB of the Go standard library; CORPUS_DIR: a repository's Go files instead; needs valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-5}"
corpus=()
if [ -n "${2:-}" ]; then corpus=(--corpus "$2"); fi
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded dist/bench/analyze.js --mb "$mb" "${corpus[@]}" --only "$1" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
baseline=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded -e 'import("./dist/src/analysis/analyze.js")' 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
parse=$(count parse)
full=$(count full)
node -e '
const [b, p, f, mb] = process.argv.slice(1).map(Number);
const parse = p - b, full = f - b;
console.log(JSON.stringify({ megabytes: mb, startupInstructions: b, parseInstructions: parse, fullInstructions: full, ratio: Number((full / parse).toFixed(2)) }, null, 2));
' "$baseline" "$parse" "$full" "$mb"
