#!/usr/bin/env bash
# Build OpenTofu from the Go module proxy into DEST_DIR/tofu, once.
# `go install github.com/opentofu/opentofu/cmd/tofu@vX` refuses (its go.mod has a `replace`),
# so: download the module, copy it out of the read-only module cache, `go build ./cmd/tofu`.
# Usage: build-tofu.sh VERSION DEST_DIR   (silent and instant when the binary is already there)
set -euo pipefail
version="$1"
dest="$2"
have_version() {
  [ -x "$dest/tofu" ] && [ "$(TF_CLI_CONFIG_FILE=/dev/null "$dest/tofu" version 2>/dev/null | head -1)" = "OpenTofu v$version" ]
}
have_version && exit 0
command -v go >/dev/null || { echo "build-tofu: the Go toolchain is required" >&2; exit 1; }
mkdir -p "$dest"
work="$(mktemp -d "${TMPDIR:-/tmp}/tofu-build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log="$dest/build.log"
: >"$log"
echo "build-tofu: OpenTofu v$version from the Go module proxy (about 5 minutes on 2 cores when the Go caches are cold; log: $log)" >&2
# Outside any module, and without the caller's GOFLAGS (-mod=... is refused there).
dir="$(cd "$work" && GOFLAGS='' GO111MODULE=on go mod download -json "github.com/opentofu/opentofu@v$version" 2>>"$log" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "build-tofu: go mod download gave no module directory" >&2; tail -20 "$log" >&2; exit 1
fi
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
# dev=no: a release build, so `tofu version` says v$version and not v$version-dev.
if ! (cd "$work/src" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
  go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
  -o "$work/tofu" ./cmd/tofu) >>"$log" 2>&1; then
  echo "build-tofu: go build failed:" >&2; tail -40 "$log" >&2; exit 1
fi
mv -f "$work/tofu" "$dest/tofu.tmp.$$"
mv -f "$dest/tofu.tmp.$$" "$dest/tofu"
have_version || { echo "build-tofu: the built binary does not report OpenTofu v$version" >&2; exit 1; }
echo "build-tofu: built OpenTofu v$version -> $dest/tofu" >&2
