#!/usr/bin/env bash
# Makes the pinned Versity S3 gateway (versitygw) available and prints its absolute path on stdout (all else on
# stderr). The fleet tests run it as an S3-compatible store (posix backend) for Pulumi's s3:// backend.
#
# Order: the cached build -> a build from the Go modules (like deploy/install-pulumi.sh). `go install` of a module
# version stamps no version into this binary (`versitygw --version` says "git"), so the cache path is the pin.
#
#   VERSITYGW_VERSION   version to provide (default 1.8.0)
#   PROVISIONER_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/provisioner)
set -euo pipefail

version="${VERSITYGW_VERSION:-1.8.0}"
cache_root="${PROVISIONER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provisioner}"
target_dir="$cache_root/versitygw/v$version"
target="$target_dir/versitygw"

log() { echo "install-versitygw: $*" >&2; }

if [ -x "$target" ]; then
  echo "$target"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  log "cannot build versitygw v$version: no Go toolchain on PATH"
  exit 1
fi
mkdir -p "$target_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "building versitygw v$version from the Go modules (first time: about 5 minutes)"
(cd "$work" && GOBIN="$work/bin" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@v$version") >&2
mv "$work/bin/versitygw" "$target"
echo "$target"
