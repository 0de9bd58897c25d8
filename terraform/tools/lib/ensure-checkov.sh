#!/usr/bin/env bash
# ensure-checkov.sh: checkov, in its own venv (it pins many packages, so never in the project's),
# installed once and reused; prints the path of the checkov executable. Used by iac-check and by
# the unit tests that compare `mskctl audit` with checkov.
#
#   ensure-checkov.sh           install when missing or another version, then print the path
#   ensure-checkov.sh --check   exit 0 when the right version is installed, 1 otherwise; no install
#
# Progress goes to stderr. CHECKOV_VENV overrides where (default ~/.cache/mskctl/checkov-venv).
set -euo pipefail

CHECKOV_VERSION="3.3.30"
MSKCTL_CACHE="${MSKCTL_CACHE:-$HOME/.cache/mskctl}"
CHECKOV_VENV="${CHECKOV_VENV:-$MSKCTL_CACHE/checkov-venv}"

ready() {
  [ -x "$CHECKOV_VENV/bin/checkov" ] && [ "$(cat "$CHECKOV_VENV/.version" 2>/dev/null)" = "$CHECKOV_VERSION" ]
}

install() {
  local t0 t1
  t0="$(date +%s)"
  echo "installing checkov==$CHECKOV_VERSION into $CHECKOV_VENV (its own venv)" >&2
  rm -rf "$CHECKOV_VENV"
  python3 -m venv "$CHECKOV_VENV" >&2
  "$CHECKOV_VENV/bin/python" -m pip install -q --upgrade pip >&2 || true
  "$CHECKOV_VENV/bin/python" -m pip install -q "checkov==$CHECKOV_VERSION" >&2
  echo "$CHECKOV_VERSION" >"$CHECKOV_VENV/.version"
  t1="$(date +%s)"
  echo "checkov installed in $((t1 - t0)) s" >&2
}

if [ "${1:-}" = "--check" ]; then
  ready
  exit
fi

if ! ready; then
  mkdir -p "$(dirname "$CHECKOV_VENV")"
  # One installer at a time (iac-check installs in the background while a test may ask too).
  exec 9>"$CHECKOV_VENV.lock"
  command -v flock >/dev/null && flock 9
  ready || install
fi
echo "$CHECKOV_VENV/bin/checkov"
