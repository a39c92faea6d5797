#!/usr/bin/env bash
# Sets up what is missing and runs every check and test: formatting, clippy
# (native and wasm32), the SPA build, all tests on SQLite, the API tests again
# on PostgreSQL, and the browser tests.
#
#   ORI_TEST_POSTGRES_URL  PostgreSQL for the tests (default postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh" --browser
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

export ORI_TEST_POSTGRES_URL="${ORI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() {
  printf '\n==> %s\n' "$1"
  shift
  local start=$SECONDS
  "$@"
  printf '==> done in %d s\n' "$((SECONDS - start))"
}

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "PostgreSQL is not answering on 127.0.0.1:5432; starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 1
    done
  fi
  # The search index's extension, once, in `public` (each test's schema is dropped after it).
  psql "$ORI_TEST_POSTGRES_URL" -qAt -c "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public" >/dev/null
  # Each test makes its own schema; drop those of earlier runs, one transaction each (a
  # single transaction over hundreds of schemas runs out of lock slots).
  psql "$ORI_TEST_POSTGRES_URL" -qAt -c "SELECT format('DROP SCHEMA %I CASCADE;', nspname)
      FROM pg_namespace WHERE nspname LIKE 't\_%'" |
    PGOPTIONS="--client-min-messages=warning" psql "$ORI_TEST_POSTGRES_URL" -q -v ON_ERROR_STOP=1 >/dev/null
}

step "cargo fmt --check" cargo fmt --all -- --check
step "clippy (native)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (the bench-only baseline route)" \
  cargo clippy -p ori-api --features bench --lib --locked -- -D warnings
step "clippy (wasm32: shared + web)" \
  cargo clippy -p ori-shared -p ori-web --target wasm32-unknown-unknown --locked -- -D warnings
step "SPA build (trunk)" trunk build --release
step "build the ori binary (for the browser tests)" cargo build --workspace --bins --locked
step "tests on SQLite (all crates, browser included)" \
  env ORI_TEST_DB=sqlite cargo nextest run --workspace --locked --no-fail-fast
step "start/clean PostgreSQL" ensure_postgres
# `--workspace` with a filter rather than `-p ori-api`: the same feature set as the run above,
# so the test binaries are reused instead of built (and stored) a second time.
step "API tests on PostgreSQL" \
  env ORI_TEST_DB=postgres cargo nextest run --workspace --locked --no-fail-fast -E 'package(ori-api)'
