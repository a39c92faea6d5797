#!/usr/bin/env bash
# Installs the tools that build and test the Ori console. Idempotent: each tool is installed
# only when missing or at the wrong version, so a warm machine skips everything.
#
#   scripts/install-tools.sh            # wasm target, trunk, wasm-bindgen-cli, wasm-opt, nextest
#   scripts/install-tools.sh --browser  # ... plus chromium and chromedriver (apt) and npm
#                                       # axe-core (injected into pages by the e2e harness),
#                                       # libfaketime (apt; a sync test skews one replica's clock),
#                                       # kamailio with its TLS module (apt; the SIP probe's tests),
#                                       # the pinned Python tools of scripts/python-tools.txt
#   scripts/install-tools.sh --bench    # ... plus wrk (apt), the load generator of ori-bench
#   source scripts/env.sh               # afterwards: puts the tools on PATH in your shell
#
# No downloads outside the package registries: trunk would fetch wasm-bindgen and wasm-opt
# from GitHub unless the exact versions pinned in Trunk.toml are on PATH, so they are
# installed here (wasm-opt from npm's binaryen; never Debian's binaryen, whose output breaks).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

TRUNK_VERSION="0.21.14"
WASM_BINDGEN_VERSION="0.2.130" # = the wasm-bindgen pin in Cargo.toml and Trunk.toml
BINARYEN_VERSION="132"         # npm binaryen@132.0.0 -> wasm-opt version_132 (Trunk.toml)
BINARYEN_DIR="$ROOT/.tools/binaryen"
AXE_CORE_VERSION="4.14.1" # = AXE_CORE_VERSION in e2e/src/lib.rs
AXE_CORE_DIR="$ROOT/.tools/axe-core"
FAKETIME_LIB="/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1" # = FAKETIME_LIB in api/tests/sync_faults.rs
KAMAILIO="/usr/sbin/kamailio"                                     # = KAMAILIO in api/tests/common/kamailio.rs
KAMAILIO_TLS="/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so"  # = MODULES/tls.so there
WASM_TARGET="wasm32-unknown-unknown"
PY_TOOLS_DIR="$ROOT/.tools/py" # = PY_TOOLS in api/tests/generated_client.rs

browser=0
bench=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    --bench) bench=1 ;;
    -h | --help)
      sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install-tools: unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

log() { printf 'install-tools: %s\n' "$*"; }

# Runs a step and reports how long it took.
timed() {
  local start=$SECONDS
  "$@"
  log "  done in $((SECONDS - start)) s"
}

# Prints the first line of `CMD --version`, or nothing when CMD is missing or broken.
version_of() {
  command -v "$1" >/dev/null 2>&1 || return 0
  "$@" --version 2>/dev/null | head -n 1 || true
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@"
}

# --- Rust target ---------------------------------------------------------------------------
if rustup target list --installed | grep -qx "$WASM_TARGET"; then
  log "ok: rust target $WASM_TARGET"
else
  log "installing rust target $WASM_TARGET"
  timed rustup target add "$WASM_TARGET"
fi

# --- trunk ---------------------------------------------------------------------------------
if [ "$(version_of trunk)" = "trunk $TRUNK_VERSION" ]; then
  log "ok: trunk $TRUNK_VERSION"
else
  # --locked: the only way trunk 0.21.14 builds on current Rust (about 9 min, 2 GB peak).
  log "installing trunk $TRUNK_VERSION (found: '$(version_of trunk)'); takes ~9 minutes"
  timed cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# --- wasm-bindgen-cli ----------------------------------------------------------------------
if [ "$(version_of wasm-bindgen)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  log "ok: wasm-bindgen $WASM_BINDGEN_VERSION"
else
  # No --locked: its lockfile pins a crate version the registry mirror lacks.
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (found: '$(version_of wasm-bindgen)')"
  timed cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# --- wasm-opt (npm binaryen) ---------------------------------------------------------------
wasm_opt="$BINARYEN_DIR/node_modules/.bin/wasm-opt"
if [ -x "$wasm_opt" ] && "$wasm_opt" --version 2>/dev/null | grep -q "(version_$BINARYEN_VERSION)"; then
  log "ok: wasm-opt version_$BINARYEN_VERSION ($wasm_opt)"
else
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  log "installing npm binaryen@$BINARYEN_VERSION.0.0 into $BINARYEN_DIR"
  mkdir -p "$BINARYEN_DIR"
  timed npm install --prefix "$BINARYEN_DIR" --no-audit --no-fund --loglevel=error \
    "binaryen@$BINARYEN_VERSION.0.0"
  "$wasm_opt" --version
fi
if [ "$(command -v wasm-opt)" != "$wasm_opt" ]; then
  log "warning: 'wasm-opt' on PATH is $(command -v wasm-opt || echo none), not $wasm_opt" >&2
fi

# --- cargo-nextest -------------------------------------------------------------------------
if command -v cargo-nextest >/dev/null 2>&1; then
  log "ok: $(version_of cargo-nextest)"
else
  log "installing cargo-nextest"
  timed cargo install cargo-nextest --locked
fi

# --- chromium + chromedriver (only with --browser) -----------------------------------------
if [ "$browser" = 1 ]; then
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    log "ok: $(/usr/bin/chromium --version 2>/dev/null | head -n 1), chromedriver present"
  else
    timed apt_install chromium chromium-driver
  fi
fi

# --- wrk (only with --bench): the load generator behind `ori-bench load` ---------------------
if [ "$bench" = 1 ]; then
  if command -v wrk >/dev/null 2>&1; then
    log "ok: wrk"
  else
    timed apt_install wrk
  fi
fi

# --- libfaketime (only with --browser: the full test set) -----------------------------------
# The sync tests run one replica with its clock ten minutes ahead.
if [ "$browser" = 1 ]; then
  if [ -f "$FAKETIME_LIB" ]; then
    log "ok: libfaketime ($FAKETIME_LIB)"
  else
    timed apt_install libfaketime
  fi
fi

# --- kamailio (only with --browser: the full test set) -------------------------------------
# A real SIP server for the "Test connection" probe's tests (UDP, TCP and TLS on 127.0.0.1).
# Only the binary and modules are used: the tests start it with their own configuration.
if [ "$browser" = 1 ]; then
  if [ -x "$KAMAILIO" ] && [ -f "$KAMAILIO_TLS" ]; then
    log "ok: kamailio ($KAMAILIO, $KAMAILIO_TLS)"
  else
    timed apt_install kamailio kamailio-tls-modules
  fi
fi

# --- axe-core (only with --browser) --------------------------------------------------------
# The e2e harness reads axe.min.js from here and injects it into the page under test; the
# console never serves it.
if [ "$browser" = 1 ]; then
  axe_pkg="$AXE_CORE_DIR/node_modules/axe-core"
  if [ -f "$axe_pkg/axe.min.js" ] &&
    grep -q "\"version\": \"$AXE_CORE_VERSION\"" "$axe_pkg/package.json" 2>/dev/null; then
    log "ok: axe-core $AXE_CORE_VERSION ($axe_pkg)"
  else
    if ! command -v npm >/dev/null 2>&1; then
      apt_install nodejs npm
    fi
    log "installing npm axe-core@$AXE_CORE_VERSION into $AXE_CORE_DIR"
    mkdir -p "$AXE_CORE_DIR"
    timed npm install --prefix "$AXE_CORE_DIR" --no-audit --no-fund --loglevel=error \
      --save-exact "axe-core@$AXE_CORE_VERSION"
  fi
fi

# --- Python tools (only with --browser: the full test set) ---------------------------------
# openapi-spec-validator and openapi-python-client, at the versions in python-tools.txt, in a
# venv of our own (api/tests/generated_client.rs finds them there).
if [ "$browser" = 1 ]; then
  if [ -x "$PY_TOOLS_DIR/bin/python" ] &&
    cmp -s "$ROOT/scripts/python-tools.txt" "$PY_TOOLS_DIR/installed.txt"; then
    log "ok: python tools ($PY_TOOLS_DIR)"
  else
    log "installing python tools into $PY_TOOLS_DIR"
    rm -rf "$PY_TOOLS_DIR"
    timed python3 -m venv "$PY_TOOLS_DIR"
    timed "$PY_TOOLS_DIR/bin/pip" install --quiet --disable-pip-version-check \
      -r "$ROOT/scripts/python-tools.txt"
    cp "$ROOT/scripts/python-tools.txt" "$PY_TOOLS_DIR/installed.txt"
  fi
fi

log "all tools present. In your shell: source $ROOT/scripts/env.sh"
