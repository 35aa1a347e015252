#!/usr/bin/env bash
# Issue #10, item 13: `leakhound check` on 20,000 Go files in one folder, against the same files
# spread over 200 folders (the scan must be linear in files per folder).
#
# Usage: npm run build && bash bench/hardening/many-files.sh [path/to/leakhound.js] [files]
# Prints wall-clock seconds and peak RSS (KiB) of each run; the trees are built in a temporary folder.
set -euo pipefail
cli="${1:-dist/src/bin/leakhound.js}"
count="${2:-20000}"
cli="$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node - "$work" "$count" <<'JS'
const { mkdirSync, writeFileSync } = require('node:fs');
const [work, count] = [process.argv[2], Number(process.argv[3])];
const file = (pkg, i) => `package ${pkg}\n\n// F${i} adds.\nfunc F${i}(a, b int) int {\n\treturn a + b + ${i}\n}\n`;
mkdirSync(`${work}/one/many`, { recursive: true });
for (let i = 0; i < count; i++) writeFileSync(`${work}/one/many/f${i}.go`, file('many', i));
for (let d = 0; d < 200; d++) mkdirSync(`${work}/spread/p${d}`, { recursive: true });
for (let i = 0; i < count; i++) writeFileSync(`${work}/spread/p${i % 200}/f${i}.go`, file(`p${i % 200}`, i));
JS
for tree in one spread; do
  /usr/bin/time -f "$tree: %e s, peak RSS %M KiB" node "$cli" check "$work/$tree" --fail-on never >/dev/null 2>"$work/err" || true
  tail -1 "$work/err"
done
