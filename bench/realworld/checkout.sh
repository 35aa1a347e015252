#!/usr/bin/env bash
# Materialises the Go sources of every repository of bench/realworld/repos.json at its pinned
# commit under bench/corpus/<name> (git-ignored), from local git repositories or mirrors.
#
# Usage: bash bench/realworld/checkout.sh [MIRRORS]
#   MIRRORS holds one bare or normal git repository per project, found as MIRRORS/<owner>+<name>/repo
#   (the layout of the tool library's `fetch`), MIRRORS/<owner>+<name> or MIRRORS/<name>; default
#   /work/.mirror. Without one, clone https://github.com/<owner>/<name> into MIRRORS/<name> first.
# Only *.go, go.mod and go.sum files are extracted, so snapshots without large blobs still work.
set -euo pipefail
cd "$(dirname "$0")/../.."
mirrors="${1:-/work/.mirror}"
mkdir -p bench/corpus
node -e 'for (const r of require("./bench/realworld/repos.json").repos) console.log(r.name, r.github, r.commit)' |
  while read -r name github commit; do
    dest="bench/corpus/$name"
    if [ -f "$dest/.leakhound-commit" ] && [ "$(cat "$dest/.leakhound-commit")" = "$commit" ]; then
      echo "$name: already at ${commit:0:12}"
      continue
    fi
    gitdir=""
    for candidate in "$mirrors/${github/\//+}/repo" "$mirrors/${github/\//+}" "$mirrors/$name"; do
      if git --git-dir="$candidate" rev-parse --verify -q "$commit^{commit}" >/dev/null 2>&1; then gitdir="$candidate"; break; fi
      if git -C "$candidate" rev-parse --verify -q "$commit^{commit}" >/dev/null 2>&1; then gitdir="$(git -C "$candidate" rev-parse --git-dir)"; gitdir="$(cd "$candidate" && cd "$gitdir" && pwd)"; break; fi
    done
    if [ -z "$gitdir" ]; then
      echo "$name: no repository with commit $commit under $mirrors" >&2
      exit 1
    fi
    rm -rf "$dest" && mkdir -p "$dest"
    git --git-dir="$gitdir" archive "$commit" -- '*.go' '*go.mod' '*go.sum' | tar -x -C "$dest"
    echo "$commit" > "$dest/.leakhound-commit"
    echo "$name: $(find "$dest" -name '*.go' | wc -l) Go files at ${commit:0:12}"
  done
