#!/usr/bin/env bash
# Makes a PostgreSQL server available (Debian's `postgresql` package) and prints the directory of its binaries on
# stdout (all else on stderr). The fleet tests run a cluster of their own with it as the replicas' shared
# postgres:// backend (support/PostgresServer); nothing is started here. A machine that has no server gets the
# package from Debian's archive, which needs root.
set -euo pipefail

log() { echo "install-postgresql: $*" >&2; }

binaries() {
  local bin
  for bin in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then
      echo "$bin"
      return 0
    fi
  done
  return 1
}

if binaries; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "no PostgreSQL server in /usr/lib/postgresql, and no apt-get as root to install one: apt-get install postgresql"
  exit 1
fi
log "installing Debian's postgresql package"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends postgresql >&2 || { apt-get update >&2 && apt-get install -y --no-install-recommends postgresql >&2; }
binaries
