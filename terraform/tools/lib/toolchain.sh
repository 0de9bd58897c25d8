#!/usr/bin/env bash
# The offline Terraform/OpenTofu toolchain, built or found in ~/.cache/mskctl (idempotent):
#   1. OpenTofu, built from the Go module proxy           -> $TOFU_HOME/<version>/tofu
#   2. the cdktn-provider-aws wheel (PyPI, pip download)   -> $CDKTN_HOME/
#   3. the AWS provider schema generated from it           -> $TOFU_HOME/schema/<key>/schema.json
#   4. the schema-only provider (Go), schema embedded      -> $TOFU_HOME/provider/<key>/
#   5. a filesystem mirror with it under both registries   -> $TOFU_HOME/mirror/
#   6. a CLI configuration pointing tofu at the mirror     -> $TOFU_HOME/tofurc
# Each step is keyed by a hash of its inputs and skipped when its output is there.
#
# Source it, then call `toolchain_ensure` (prints one line per step it had to do, with its time,
# to stderr, unless TOOLCHAIN_QUIET=1). Afterwards TOFU_BIN and TF_CLI_CONFIG_FILE are exported.

TOOLS_DIR="${TOOLS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
REPO_ROOT="${REPO_ROOT:-$(cd "$TOOLS_DIR/../.." && pwd)}"

TOFU_VERSION="${TOFU_VERSION:-1.12.6}"
AWS_PROVIDER_VERSION="6.69.1"          # the hashicorp/aws release cdktn-provider-aws 25.8.1 is generated from
CDKTN_VERSION="25.8.1"
CDKTN_WHEEL="cdktn_provider_aws-${CDKTN_VERSION}-py3-none-any.whl"

MSKCTL_CACHE="${MSKCTL_CACHE:-$HOME/.cache/mskctl}"
TOFU_HOME="${TOFU_HOME:-$MSKCTL_CACHE/tofu}"
CDKTN_HOME="${CDKTN_HOME:-$MSKCTL_CACHE/cdktn}"
MIRROR_DIR="$TOFU_HOME/mirror"
TOFU_BIN="$TOFU_HOME/$TOFU_VERSION/tofu"
TOFU_CLI_CONFIG="$TOFU_HOME/tofurc"
PROVIDER_ADDRS=("registry.opentofu.org/hashicorp/aws" "registry.terraform.io/hashicorp/aws")

_tc_python() {
  if [ -n "${PYTHON_BIN:-}" ]; then echo "$PYTHON_BIN"
  elif [ -x "$REPO_ROOT/.venv/bin/python" ]; then echo "$REPO_ROOT/.venv/bin/python"
  else command -v python3
  fi
}

_tc_log() { [ "${TOOLCHAIN_QUIET:-0}" = 1 ] || echo "$*" >&2; }

_tc_now() { date +%s.%N; }
_tc_since() { awk -v a="$1" -v b="$(_tc_now)" 'BEGIN { printf "%.1f", b - a }'; }

_tc_hash_files() { # stable hash of the named files' paths and contents
  local f
  for f in "$@"; do printf '%s\n' "${f#"$REPO_ROOT"/}"; sha256sum <"$f"; done | sha256sum | cut -c1-16
}

toolchain_tofu() {
  local t0; t0="$(_tc_now)"
  if [ -x "$TOFU_BIN" ] && [ "$(TF_CLI_CONFIG_FILE=/dev/null "$TOFU_BIN" version 2>/dev/null | head -1)" = "OpenTofu v$TOFU_VERSION" ]; then
    return 0
  fi
  "$TOOLS_DIR/lib/build-tofu.sh" "$TOFU_VERSION" "$TOFU_HOME/$TOFU_VERSION" || return 1
  _tc_log "toolchain: OpenTofu v$TOFU_VERSION built in $(_tc_since "$t0") s"
}

toolchain_wheel() {
  local t0; t0="$(_tc_now)"
  [ -s "$CDKTN_HOME/$CDKTN_WHEEL" ] && return 0
  mkdir -p "$CDKTN_HOME"
  "$(_tc_python)" -m pip download -q --no-deps --only-binary=:all: -d "$CDKTN_HOME" \
    "cdktn-provider-aws==$CDKTN_VERSION" >&2 || { echo "toolchain: pip download cdktn-provider-aws==$CDKTN_VERSION failed" >&2; return 1; }
  [ -s "$CDKTN_HOME/$CDKTN_WHEEL" ] || { echo "toolchain: $CDKTN_WHEEL not found after pip download" >&2; return 1; }
  _tc_log "toolchain: downloaded $CDKTN_WHEEL ($(du -h "$CDKTN_HOME/$CDKTN_WHEEL" | cut -f1)) in $(_tc_since "$t0") s"
}

SCHEMA_JSON=""
toolchain_schema() {
  local t0 key dir
  t0="$(_tc_now)"
  key="$( (printf '%s %s\n' "$CDKTN_WHEEL" "$(stat -c %s "$CDKTN_HOME/$CDKTN_WHEEL")"
           _tc_hash_files "$TOOLS_DIR/schema/generate.py" "$TOOLS_DIR/schema/overlay.json") | sha256sum | cut -c1-16)"
  dir="$TOFU_HOME/schema/$key"
  SCHEMA_JSON="$dir/schema.json"
  [ -s "$SCHEMA_JSON" ] && return 0
  mkdir -p "$dir"
  local summary
  summary="$("$(_tc_python)" "$TOOLS_DIR/schema/generate.py" --wheel "$CDKTN_HOME/$CDKTN_WHEEL" \
    --overlay "$TOOLS_DIR/schema/overlay.json" --out "$SCHEMA_JSON" --dropped "$dir/dropped.txt" --summary)" \
    || { rm -f "$SCHEMA_JSON"; echo "toolchain: schema generation failed" >&2; return 1; }
  _tc_log "toolchain: $summary (in $(_tc_since "$t0") s)"
}

PROVIDER_BIN=""
toolchain_provider() {
  local t0 src key dir work
  local -a sources
  t0="$(_tc_now)"
  src="$TOOLS_DIR/offline-provider"
  mapfile -t sources < <(cd "$src" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) \
    ! -name '*_test.go' ! -path '*/testdata/*' | LC_ALL=C sort | sed "s|^\.|$src|")
  key="$( (sha256sum <"$SCHEMA_JSON"; go version 2>/dev/null; _tc_hash_files "${sources[@]}") | sha256sum | cut -c1-16)"
  dir="$TOFU_HOME/provider/$key"
  PROVIDER_BIN="$dir/terraform-provider-aws_v$AWS_PROVIDER_VERSION"
  [ -x "$PROVIDER_BIN" ] && return 0
  command -v go >/dev/null || { echo "toolchain: the Go toolchain is required to build the offline provider" >&2; return 1; }
  work="$(mktemp -d "${TMPDIR:-/tmp}/offline-provider.XXXXXX")"
  cp -r "$src/." "$work/"
  cp "$SCHEMA_JSON" "$work/schema.json"
  mkdir -p "$dir"
  if ! (cd "$work" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
        go build -trimpath -ldflags "-s -w" -o "$PROVIDER_BIN.tmp" .) >"$dir/build.log" 2>&1; then
    echo "toolchain: building the offline provider failed:" >&2; tail -30 "$dir/build.log" >&2
    rm -rf "$work"; return 1
  fi
  rm -rf "$work"
  mv -f "$PROVIDER_BIN.tmp" "$PROVIDER_BIN"
  _tc_log "toolchain: offline AWS provider v$AWS_PROVIDER_VERSION built ($("$PROVIDER_BIN" -summary)) in $(_tc_since "$t0") s"
}

toolchain_mirror() {
  local addr target stamp want
  want="$( (sha256sum <"$PROVIDER_BIN"; echo config-v2) | sha256sum | cut -c1-64)"
  stamp="$MIRROR_DIR/.installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -s "$TOFU_CLI_CONFIG" ]; then
    return 0
  fi
  for addr in "${PROVIDER_ADDRS[@]}"; do
    target="$MIRROR_DIR/$addr/$AWS_PROVIDER_VERSION/linux_amd64"
    rm -rf "$target"
    mkdir -p "$target"
    cp "$PROVIDER_BIN" "$target/terraform-provider-aws_v$AWS_PROVIDER_VERSION"
  done
  # The AWS provider only from the mirror (never the registries); anything else is left to
  # `direct`, which fails at once here, naming the provider and the registry it could not reach.
  cat >"$TOFU_CLI_CONFIG.tmp" <<EOF
# Written by terraform/tools/lib/toolchain.sh: the offline AWS provider from a filesystem mirror.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR_DIR"
    include = ["${PROVIDER_ADDRS[0]}", "${PROVIDER_ADDRS[1]}"]
  }
  direct {
    exclude = ["${PROVIDER_ADDRS[0]}", "${PROVIDER_ADDRS[1]}"]
  }
}
EOF
  mv -f "$TOFU_CLI_CONFIG.tmp" "$TOFU_CLI_CONFIG"
  echo "$want" >"$stamp"
  _tc_log "toolchain: mirror installed at $MIRROR_DIR (registry.opentofu.org and registry.terraform.io)"
}

# toolchain_ensure: every step, in order; exports TOFU_BIN and TF_CLI_CONFIG_FILE.
toolchain_ensure() {
  # one builder at a time (module authors' `tofu` wrappers and iac-check may start together);
  # the lock is released before returning, so the tofu that runs afterwards does not hold it
  mkdir -p "$TOFU_HOME"
  local rc=0
  exec 9>"$TOFU_HOME/.lock"
  flock 9
  toolchain_tofu && toolchain_wheel && toolchain_schema && toolchain_provider && toolchain_mirror || rc=1
  flock -u 9
  exec 9>&-
  [ "$rc" = 0 ] || return 1
  export TOFU_BIN TF_CLI_CONFIG_FILE="$TOFU_CLI_CONFIG"
  # Offline: never ask the registries for anything, never phone home.
  export CHECKPOINT_DISABLE=1
  export TF_IN_AUTOMATION="${TF_IN_AUTOMATION:-1}"
}
