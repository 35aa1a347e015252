#!/usr/bin/env bash
# End to end: `leakhound check ./... --fail-on never` in DIR, RUNS times per build, builds taking
# turns (so a change in the machine's load hits each alike). For each run: wall seconds, CPU
# seconds of the command and its workers, and the peak resident size of the largest worker and of
# the command itself (bench/peak-rss.cjs). Compare builds by giving each one's CLI, e.g. a worktree
# of an older commit: `git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)`.
# Usage: npm run build && bash bench/end-to-end.sh DIR [RUNS] [CLI ...]   (default RUNS 4, CLI this build's)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"
runs="${2:-4}"
shift $(( $# >= 2 ? 2 : 1 ))
clis=()
for cli in "$@"; do clis+=("$(realpath "$cli")"); done
if [ ${#clis[@]} -eq 0 ]; then clis=("$here/dist/src/bin/leakhound.js"); fi
peaks="$(mktemp -d)"
trap 'rm -rf "$peaks"' EXIT
cd "$dir"
printf '%-50s %8s %8s %12s %12s\n' cli wall_s cpu_s worker_MiB main_MiB
for _ in $(seq "$runs"); do
  for cli in "${clis[@]}"; do
    rm -f "$peaks"/*
    PEAK_RSS_DIR="$peaks" NODE_OPTIONS="--require $here/bench/peak-rss.cjs" /usr/bin/time -o "$peaks/time" -f '%e %U %S' \
      node "$cli" check ./... --fail-on never >/dev/null 2>&1
    times=$(cat "$peaks/time")
    sleep 0.3
    worker=$(grep -hs pool-worker "$peaks"/[0-9]* 2>/dev/null | awk '{print $2}' | sort -n | tail -1 || true)
    main=$(grep -hs leakhound "$peaks"/[0-9]* 2>/dev/null | awk '{print $2}' | sort -n | tail -1 || true)
    printf '%-50s %8s %8s %12s %12s\n' "$cli" "$(echo "$times" | awk '{print $1}')" "$(echo "$times" | awk '{printf "%.2f", $2 + $3}')" \
      "$(( ${worker:-0} / 1024 ))" "$(( ${main:-0} / 1024 ))"
  done
done
