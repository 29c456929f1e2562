#!/usr/bin/env bash
# Fails if a tracked file reaches outside the repository for data: a fresh clone has nothing
# beside it, so tests and scripts must read reference/ (the in-repo copies), never the sibling
# data folder the project was started from. reference/ and Markdown docs may name where the
# data came from. (The folder's name is spelt with a character class below so that this file
# does not itself name the path it forbids.)
set -euo pipefail
cd "$(dirname "$0")/.."

pattern='\.\./sh[a]red\b|join\("sh[a]red"\)|/work/sh[a]red'
if git grep -nE "$pattern" -- . ':!reference' ':!*.md'; then
  echo "standalone: the lines above read data from outside the repository; use reference/ instead" >&2
  exit 1
fi
echo "standalone: ok (no tracked file outside reference/ and the docs reads a folder beside the repository)"
