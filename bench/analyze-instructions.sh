#!/usr/bin/env bash
# The analyzer cost ratio in executed instructions (valgrind's callgrind), which, unlike seconds,
# does not change with the machine's load: parsing alone vs the whole analysis, on the same corpus.
# Usage: npm run build && bash bench/analyze-instructions.sh [MB]   (default 5; needs valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-5}"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node dist/bench/analyze.js --mb "$mb" --only "$1" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
baseline=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null node -e 'import("./dist/src/analysis/analyze.js")' 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
parse=$(count parse)
full=$(count full)
node -e '
const [b, p, f, mb] = process.argv.slice(1).map(Number);
const parse = p - b, full = f - b;
console.log(JSON.stringify({ megabytes: mb, startupInstructions: b, parseInstructions: parse, fullInstructions: full, ratio: Number((full / parse).toFixed(2)) }, null, 2));
' "$baseline" "$parse" "$full" "$mb"
