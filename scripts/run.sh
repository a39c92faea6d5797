#!/usr/bin/env bash
# Sets up what is missing, builds the SPA and the server, and runs the console
# on the embedded SQLite database (./data). Configuration: see README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

trunk build --release
cargo build --release --locked -p ori-api
# It serves plain http://127.0.0.1:8080, where a Secure cookie would not be sent back.
export ORI_INSECURE_HTTP="${ORI_INSECURE_HTTP:-true}"
exec "$ROOT/target/release/ori" "$@"
