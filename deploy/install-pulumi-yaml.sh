#!/usr/bin/env bash
# Makes the pinned Pulumi YAML language host (pulumi-language-yaml) available beside the Pulumi CLI and
# prints its absolute path on stdout (all else on stderr).
#
#   deploy/install-pulumi-yaml.sh [PULUMI_CLI_PATH]    # default: the CLI deploy/install-pulumi.sh provides
#
# Beside the CLI because YAML is one of the CLI's bundled language hosts: the CLI looks for those next to
# its own binary (symlinks resolved) and uses one found there silently, while one found only on PATH makes
# every run warn "using pulumi-language-yaml from $PATH" (and PULUMI_IGNORE_AMBIENT_PLUGINS hides PATH).
#
# The host is built once from the Go module github.com/pulumi/pulumi-yaml into its own versioned cache,
# outside the repository beside the CLI's, then copied next to the CLI. A binary counts only when its Go
# build information names the pinned versions (the host has no version flag).
#
# Built against Pulumi's pkg/sdk v3.219.0 rather than the v3.206.0 that pulumi-yaml v1.25.0's go.mod asks
# for: the host type-checks a program against the built-in "pulumi" schema of its own pkg module, and that
# of v3.206.0 has no pulumi:index:Stash ("unable to find resource type "pulumi:index:Stash" in resource
# provider "pulumi""), the one resource a program can have without a provider plugin. v3.219.0 has it and
# is the newest the module compiles against (v3.225 changed plugin.NewContextWithRoot, v3.248
# schema.NewPluginLoader).
#
#   PULUMI_YAML_VERSION   version to provide (default 1.25.0)
#   PULUMI_SDK_VERSION    Pulumi pkg/sdk modules it is built with (default 3.219.0)
#   PROVISIONER_CACHE     cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/provisioner)
set -euo pipefail

version="${PULUMI_YAML_VERSION:-1.25.0}"
sdk_version="${PULUMI_SDK_VERSION:-3.219.0}"
cache_root="${PROVISIONER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provisioner}"
target_dir="$cache_root/pulumi-language-yaml/v$version-sdk$sdk_version"
target="$target_dir/pulumi-language-yaml"

log() { echo "install-pulumi-yaml: $*" >&2; }

has_version() {
  local info
  [ -x "$1" ] && info="$(go version -m "$1" 2>/dev/null)" &&
    grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/pulumi/pulumi-yaml[[:space:]]+v$version([[:space:]]|$)" <<<"$info" &&
    grep -Eq "^[[:space:]]+dep[[:space:]]+github.com/pulumi/pulumi/pkg/v3[[:space:]]+v$sdk_version([[:space:]]|$)" <<<"$info"
}

build() {
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  mkdir -p "$target_dir"
  # A wrapper module: pulumi-yaml at its pinned version, with Pulumi's modules at theirs.
  cat >"$work/go.mod" <<GOMOD
module provisioner.local/pulumiyaml

go 1.25.11

require (
	github.com/pulumi/pulumi-yaml v$version
	github.com/pulumi/pulumi/pkg/v3 v$sdk_version
	github.com/pulumi/pulumi/sdk/v3 v$sdk_version
)

// Mirrors the replace in pulumi's own pkg/go.mod, so the build sees the same dependency graph.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
GOMOD
  log "building pulumi-language-yaml $version (Pulumi modules v$sdk_version) from the Go modules (first time: a minute or two)"
  (
    cd "$work"
    go mod tidy >&2
    # Static, trimmed and version-stamped, like the CLI.
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$version" \
      -o "$target.tmp" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2
  )
  mv -f "$target.tmp" "$target"
}

command -v go >/dev/null 2>&1 || { log "needs a Go toolchain (to build the host, and to read a binary's version)"; exit 1; }

cli="${1:-$(bash "$(dirname "$0")/install-pulumi.sh")}"
[ -x "$cli" ] || cli="$(command -v "$cli")" || { log "no Pulumi CLI at '$1'"; exit 1; }
cli_dir="$(dirname "$(readlink -f "$cli")")"
beside="$cli_dir/pulumi-language-yaml"

if ! has_version "$beside"; then
  has_version "$target" || build
  # Copied, and renamed into place: a CLI starting meanwhile sees the old host or the new one, whole.
  if ! { install -m 0755 "$target" "$beside.tmp.$$" && mv -f "$beside.tmp.$$" "$beside"; }; then
    rm -f "$beside.tmp.$$"
    log "cannot write beside the CLI in $cli_dir"
    exit 1
  fi
fi
if has_version "$beside"; then
  echo "$beside"
  exit 0
fi
log "$beside is not pulumi-language-yaml $version"
exit 1
