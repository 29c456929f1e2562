#!/usr/bin/env bash
# Fails if a tracked file reaches outside the repository for data: a fresh clone has nothing
# beside it, so tests and scripts must read reference/ (the in-repo copies), never a sibling
# `shared` folder. reference/ and Markdown docs may name where the data came from.
set -euo pipefail
cd "$(dirname "$0")/.."

pattern='\.\./shared\b|join\("shared"\)|/work/shared'
if git grep -nE "$pattern" -- . ':!reference' ':!*.md' ':!.ci/check-standalone.sh'; then
  echo "standalone: the lines above read data from outside the repository; use reference/ instead" >&2
  exit 1
fi
echo "standalone: ok (no tracked file outside reference/ and the docs points at ../shared)"
