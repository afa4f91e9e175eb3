#!/usr/bin/env bash
# Time from the start command to GET /q/health/ready answering UP (embedded PostgreSQL, Redis and
# SQS started, migrations applied, gateway and ASL engine up). Runs it $1 times (default 3), each
# from a stopped system with its data in .sagaline/ in place, and prints each time in seconds.
#   bench/startup.sh 3            ./mvnw quarkus:dev, target/ already compiled
#   bench/startup.sh 1 --clean    ./mvnw quarkus:dev after ./mvnw clean (cold compile)
#   bench/startup.sh 3 --built    bin/local (the built application, target/local-app)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
mode=${2:-}
mkdir -p target
if [ "$mode" = "--built" ]; then
  bin/local --build
fi
for i in $(seq 1 "$runs"); do
  [ "$mode" = "--clean" ] && ./mvnw -q clean
  start=$(date +%s.%N)
  if [ "$mode" = "--built" ]; then
    bin/local < /dev/null > target/bench-dev.log 2>&1 &
  else
    ./mvnw -q quarkus:dev -Dquarkus.console.enabled=false -Ddebug=false < /dev/null > target/bench-dev.log 2>&1 &
  fi
  pid=$!
  until curl -sf localhost:8080/q/health/ready > /dev/null 2>&1; do
    sleep 0.1
    kill -0 $pid 2>/dev/null || { echo "the system died; see target/bench-dev.log"; exit 1; }
  done
  note=""
  if [ "$mode" = "--built" ]; then
    grep -q 'records a class-data archive' target/bench-dev.log && note=" (recording the class-data archive)" || note=" (with the class-data archive)"
  fi
  echo "run $i: ready after $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s$note"
  kill $pid; wait $pid 2>/dev/null || true
  while curl -s localhost:8080 > /dev/null 2>&1; do sleep 0.5; done
done
