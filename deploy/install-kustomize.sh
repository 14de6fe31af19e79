#!/usr/bin/env bash
# Makes the pinned kustomize available and prints its absolute path on stdout (all else on stderr).
# The manifest test renders deploy/k8s with it; a pinned version renders the same objects everywhere.
#
# Order: `kustomize` on PATH -> the cached build -> a build from the Go modules. Each candidate is used
# only when `kustomize version` prints exactly the pinned version. The cache lives outside the repository.
#
#   KUSTOMIZE_VERSION   version to provide (default 5.8.2, the newest that builds with Go 1.26:
#                       5.8.3 requires Go 1.27)
#   PROVISIONER_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/provisioner)
set -euo pipefail

version="${KUSTOMIZE_VERSION:-5.8.2}"
cache_root="${PROVISIONER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provisioner}"
target_dir="$cache_root/kustomize/v$version"
target="$target_dir/kustomize"

log() { echo "install-kustomize: $*" >&2; }

has_version() {
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$version" ]
}

use() {
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  exit 0
}

if on_path="$(command -v kustomize 2>/dev/null)" && has_version "$on_path"; then use "$on_path"; fi
if has_version "$target"; then use "$target"; fi

if ! command -v go >/dev/null 2>&1; then
  log "cannot build kustomize v$version: no Go toolchain on PATH"
  exit 1
fi
mkdir -p "$target_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "building kustomize v$version from the Go modules (first time: about a minute)"
# `go install` stamps the module version into the binary, which `kustomize version` prints.
GOBIN="$work" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
  "sigs.k8s.io/kustomize/kustomize/v5@v$version" >&2
mv -f "$work/kustomize" "$target"
if has_version "$target"; then use "$target"; fi
log "the build of kustomize v$version does not report that version"
exit 1
