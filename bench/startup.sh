#!/usr/bin/env bash
# Time from `./mvnw quarkus:dev` to GET /q/health/ready answering UP (embedded PostgreSQL and
# Redis started, migrations applied, gateway and ASL engine up). Runs it $1 times (default 3),
# each from a stopped system with target/ already compiled, and prints each time in seconds.
# Pass --clean to delete target/ first (cold compile).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
for i in $(seq 1 "$runs"); do
  [ "${2:-}" = "--clean" ] && ./mvnw -q clean
  start=$(date +%s.%N)
  ./mvnw -q quarkus:dev -Dquarkus.console.enabled=false -Ddebug=false < /dev/null > target/bench-dev.log 2>&1 &
  pid=$!
  until curl -sf localhost:8080/q/health/ready > /dev/null 2>&1; do
    sleep 0.2
    kill -0 $pid 2>/dev/null || { echo "dev mode died; see target/bench-dev.log"; exit 1; }
  done
  echo "run $i: ready after $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
  kill $pid; wait $pid 2>/dev/null || true
  while curl -s localhost:8080 > /dev/null 2>&1; do sleep 0.5; done
done
