#!/usr/bin/env bash
# Builds the SPA and the `ori` binary, then runs the browser tests (all, or those matching the
# nextest filter given), e.g. `scripts/e2e.sh numbers` or `scripts/e2e.sh -E 'test(guide)'`.
# One run at a time on the machine (a lock in /tmp): several at once on a small machine make
# the browser tests' waits time out.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
exec 9>/tmp/ori-e2e.lock
flock 9
trunk build --release
cargo build -p ori-api
cargo nextest run -p ori-e2e --no-fail-fast "$@"
