#!/usr/bin/env bash
# Makes the pinned Pulumi CLI available and prints its absolute path on stdout (all else on stderr).
#
# Order: $PULUMI_CLI (a configured path) -> `pulumi` on PATH -> the cached build -> a build from the
# Go modules -> Pulumi's official installer (needs the internet). Each candidate is used only when
# `pulumi version` prints exactly the pinned version. The cache lives outside the repository.
#
#   PULUMI_VERSION      version to provide (default 3.259.0)
#   PULUMI_CLI          a binary to try first
#   PROVISIONER_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/provisioner)
set -euo pipefail

version="${PULUMI_VERSION:-3.259.0}"
cache_root="${PROVISIONER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provisioner}"
target_dir="$cache_root/pulumi/v$version"
target="$target_dir/pulumi"

log() { echo "install-pulumi: $*" >&2; }

has_version() {
  [ -x "$1" ] && [ "$(PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null)" = "v$version" ]
}

use() {
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  exit 0
}

if [ -n "${PULUMI_CLI:-}" ]; then
  if has_version "$PULUMI_CLI"; then use "$PULUMI_CLI"; fi
  log "PULUMI_CLI=$PULUMI_CLI is not pulumi v$version; looking elsewhere"
fi
if on_path="$(command -v pulumi 2>/dev/null)" && has_version "$on_path"; then use "$on_path"; fi
if has_version "$target"; then use "$target"; fi

mkdir -p "$target_dir"

build_from_go_modules() {
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  # The pkg module carries replace directives, so `go install pkg@version` is refused; a wrapper
  # module that requires pkg and sdk at the pinned version builds the same main package.
  cat >"$work/go.mod" <<GOMOD
module provisioner.local/pulumicli

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version
)

// Mirrors the replace in pulumi's own pkg/go.mod, so the build sees the same dependency graph.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
GOMOD
  log "building pulumi v$version from the Go modules (first time: several minutes)"
  (
    cd "$work"
    go mod tidy >&2
    # Flags as in pulumi's release build: static, trimmed, version stamped so that the
    # Automation API's version check passes and it takes the gRPC event path.
    CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
      -o "$target.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  mv -f "$target.tmp" "$target"
}

install_official() {
  log "installing pulumi v$version with Pulumi's official installer"
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  curl -fsSL https://get.pulumi.com | sh -s -- --version "$version" --install-root "$work" --no-edit-path >&2
  mv -f "$work/bin/pulumi" "$target"
}

if command -v go >/dev/null 2>&1; then
  build_from_go_modules || { log "the Go build failed"; rm -f "$target.tmp"; }
fi
if ! has_version "$target" && command -v curl >/dev/null 2>&1; then
  install_official || log "the official installer failed"
fi
if has_version "$target"; then use "$target"; fi
log "could not provide pulumi v$version (no Go toolchain that could build it, no internet)"
exit 1
