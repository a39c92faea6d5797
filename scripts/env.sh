# Puts the project's build tools on PATH. Source it: `source scripts/env.sh` (bash or zsh).
# scripts/install-tools.sh installs the tools; this file only sets PATH (idempotent).
# wasm-opt comes from the npm package binaryen@132 in .tools/ and must come before any other
# wasm-opt on PATH (Debian's binaryen 108 produces wasm that breaks in the browser).

if [ -n "${BASH_SOURCE[0]:-}" ]; then
  _ori_env_file="${BASH_SOURCE[0]}"
elif [ -n "${ZSH_VERSION:-}" ]; then
  # shellcheck disable=SC2296
  _ori_env_file="${(%):-%x}"
else
  _ori_env_file="$0"
fi
ORI_ROOT="$(cd "$(dirname "$_ori_env_file")/.." && pwd)"
export ORI_ROOT
unset _ori_env_file

for _ori_dir in "${CARGO_HOME:-$HOME/.cargo}/bin" "$ORI_ROOT/.tools/binaryen/node_modules/.bin"; do
  case ":$PATH:" in
    *":$_ori_dir:"*) ;;
    *) PATH="$_ori_dir:$PATH" ;;
  esac
done
unset _ori_dir
export PATH
