#!/usr/bin/env bash
# Runs the service on this machine, no Docker needed: the pinned Pulumi CLI (deploy/install-pulumi.sh)
# with the YAML language host beside it (deploy/install-pulumi-yaml.sh), the example programs of
# deploy/programs as the program catalog,
# a Kafka broker on localhost:9092 and an OTLP/HTTP endpoint on 127.0.0.1:4318 that prints what it
# receives (both from the test classpath, so from Maven Central artifacts), then the service itself in
# the foreground with the `local` profile. Ctrl-C stops the service, then the broker and the endpoint.
#
# Everything it makes stays under target/local/: the stacks' state, the broker's data, the logs.
# Remove that directory to start over. Re-running is safe: whatever an earlier run left running here
# (even one killed with -9) is stopped first. Arguments go to the service's JVM, e.g.
# -Dquarkus.http.port=8081.
#
#   SKIP_BUILD=1   run what target/ already holds instead of `./mvnw package` (saves ~30 s)
set -euo pipefail

cd "$(dirname "$0")/.."
root="$PWD"
local_dir=target/local
classpath_file="$local_dir/test-classpath.txt"
kafka_port=9092
otlp_port=4318
# Pinned: the classpath goal is called by coordinates, outside any plugin version the POM manages.
dependency_plugin=org.apache.maven.plugins:maven-dependency-plugin:3.7.0

log() { echo "run-local: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# A pid from our pid file that is still one of ours: same command, started from this directory.
live_pid() {
  local name="$1" marker="$2" pid
  [ -f "$local_dir/$name.pid" ] || return 1
  pid="$(cat "$local_dir/$name.pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$marker" || return 1
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$root" ] || return 1
  echo "$pid"
}

force_stop=0
# Stops one process: SIGTERM (a clean shutdown), SIGKILL after `grace` seconds or on a second Ctrl-C.
stop() {
  local name="$1" marker="$2" grace="$3" pid deadline
  if pid="$(live_pid "$name" "$marker")"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$force_stop" = 1 ] || [ "$SECONDS" -ge "$deadline" ]; then
        log "killing $name (pid $pid)"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.5
    done
  fi
  rm -f "$local_dir/$name.pid"
}

stop_all() {
  # The service first, so that it can still write its last audit records and log records.
  stop service quarkus-run.jar 150
  stop otlp-printer dev.provisioner.local.LocalOtlpPrinter 20
  stop kafka dev.provisioner.local.LocalKafka 30
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts a main class of the test classpath in the background, its output to a log file.
start() {
  local name="$1" main="$2"
  shift 2
  java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "$classpath" "$main" "$@" \
    >"$local_dir/$name.log" 2>&1 &
  echo $! >"$local_dir/$name.pid"
}

# Waits until a started process logs its ready line; fails if it exits first or takes too long.
await_ready() {
  local name="$1" marker="$2" timeout="$3" pid deadline=$((SECONDS + $3))
  pid="$(cat "$local_dir/$name.pid")"
  until grep -q "$marker" "$local_dir/$name.log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$local_dir/$name.log" >&2
      die "$name exited before it was ready; its log: $local_dir/$name.log"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "$name was not ready after ${timeout}s; its log: $local_dir/$name.log"
    sleep 0.5
  done
}

mkdir -p "$local_dir"
stop_all

cli="$(deploy/install-pulumi.sh)"
log "Pulumi CLI: $cli ($("$cli" version)), YAML host: $(deploy/install-pulumi-yaml.sh "$cli")"

# The service's own port (8080) is Quarkus' to check: it can be changed with an argument.
for port in "$kafka_port" "$otlp_port"; do
  if port_taken "$port"; then die "port $port is in use by another program; stop that first"; fi
done

if [ "${SKIP_BUILD:-}" != 1 ] || [ ! -f target/quarkus-app/quarkus-run.jar ] || [ ! -f "$classpath_file" ]; then
  log "building the service and the test classes (./mvnw package; the first time downloads from Maven Central)"
  ./mvnw -B -q -Dstyle.color=never package -DskipTests \
    "$dependency_plugin:build-classpath" -Dmdep.includeScope=test -Dmdep.outputFile="$classpath_file"
fi
classpath="target/test-classes:$(cat "$classpath_file")"

trap 'exit 130' INT
trap 'exit 143' TERM
trap 'trap "force_stop=1" INT TERM; stop_all' EXIT

start kafka dev.provisioner.local.LocalKafka "$local_dir/kafka"
start otlp-printer dev.provisioner.local.LocalOtlpPrinter "$otlp_port"
await_ready kafka "LocalKafka ready" 120
log "Kafka:     localhost:$kafka_port (data: $local_dir/kafka, log: $local_dir/kafka.log)"
await_ready otlp-printer "LocalOtlpPrinter ready" 60
log "OTLP/HTTP: http://127.0.0.1:$otlp_port/v1/logs (records printed to $local_dir/otlp-printer.log:"
log "           tail -f $local_dir/otlp-printer.log)"
log "service:   profile local, stacks' state in $local_dir/{stacks,state}; Ctrl-C stops everything"

# In the background and waited for, so that a signal to this script reaches the trap at once, and the
# trap stops the service before the broker it writes to.
java -Dquarkus.profile=local -Dprovisioner.engine.cli="$cli" -Dprovisioner.programs.catalog-dir=deploy/programs "$@" -jar target/quarkus-app/quarkus-run.jar &
service_pid=$!
echo "$service_pid" >"$local_dir/service.pid"
rc=0
wait "$service_pid" || rc=$?
log "the service exited ($rc)"
exit "$rc"
