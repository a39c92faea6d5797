#!/usr/bin/env bash
# Builds the SPA and the `ori` binary, then runs the browser tests (all, or those matching the
# nextest filter given), e.g. `scripts/e2e.sh numbers` or `scripts/e2e.sh -E 'test(guide)'`.
# Holds a lock on target/ for the whole run, so worktrees that share one target/ (a symlink)
# never test each other's build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
mkdir -p target
exec 9>"$(readlink -f target)/.e2e.lock"
flock 9
trunk build --release
cargo build -p ori-api
cargo nextest run -p ori-e2e --no-fail-fast "$@"
