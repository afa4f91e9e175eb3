#!/usr/bin/env bash
# EngineBenchmark on a PostgreSQL with its durable defaults (fsync and synchronous_commit on),
# beside the embedded one of dev mode and the tests (fsync off). Installs PostgreSQL 15 from the
# system's packages if it is missing, gives it a cluster of its own on port 5433 that writes its log
# as CSV (so that the benchmark can read back every statement a saga ran), starts it, and runs the
# benchmark against a fresh database. Needs root (apt-get, pg_ctlcluster), as on the CI machines.
#
#   bench/durable-postgres.sh                      # then look for "against its own SQL" in the output
#   bench/durable-postgres.sh -Dbench.executions=600
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=15
CLUSTER=sagaline-bench
PORT=5433

if ! command -v pg_ctlcluster >/dev/null || [ ! -x "/usr/lib/postgresql/$VERSION/bin/postgres" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$VERSION"
fi

if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$VERSION/$CLUSTER"; then
    pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" --locale C.UTF-8
fi
# The server's durable defaults stay as they are (fsync, synchronous_commit, full_page_writes on);
# only what the benchmark needs is set: connections for 32 sagas in flight, a CSV log, and no TLS
# (Debian turns it on; the embedded server has none, and the two runs should differ in durability only).
cat > "/etc/postgresql/$VERSION/$CLUSTER/conf.d/sagaline-bench.conf" <<'EOF'
max_connections = 200
logging_collector = on
log_destination = 'csvlog'
log_directory = 'log'
ssl = off
EOF
# A benchmark killed while it captured leaves log_statement = 'all' in postgresql.auto.conf.
if [ -f "/var/lib/postgresql/$VERSION/$CLUSTER/postgresql.auto.conf" ]; then
    sed -i '/^log_statement/d' "/var/lib/postgresql/$VERSION/$CLUSTER/postgresql.auto.conf"
fi
if pg_lsclusters -h | awk -v c="$CLUSTER" '$2 == c {print $4}' | grep -qx online; then
    pg_ctlcluster "$VERSION" "$CLUSTER" restart
else
    pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

psql_admin() { runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
# Superuser: the benchmark switches log_statement on and off (ALTER SYSTEM), and the test profile
# creates the services' roles as DatabasePreparation does in AWS.
psql_admin 'do $$ begin if not exists (select from pg_roles where rolname = '"'bench'"') then create role bench login superuser password '"'bench'"'; end if; end $$'
psql_admin "drop database if exists sagaline with (force)"
psql_admin "create database sagaline owner bench"
for setting in fsync synchronous_commit; do
    value=$(psql_admin "show $setting")
    [ "$value" = on ] || { echo "$setting is $value on the benchmark's server, not on" >&2; exit 1; }
done

# C1 only, as Quarkus runs dev mode (bench/README.md: with C2 the compiler takes a core for minutes).
JDK_JAVA_OPTIONS="${JDK_JAVA_OPTIONS:--XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m}" ./mvnw -q verify -DskipITs -Dtest=EngineBenchmark -Dbench=true -Dasl.skip=true -Dterraform.skip=true -Dpackaging.skip=true \
    -Dquarkus.datasource.jdbc.url="jdbc:postgresql://localhost:$PORT/sagaline" \
    -Dquarkus.datasource.reactive.url="postgresql://localhost:$PORT/sagaline" \
    -Dquarkus.datasource.username=bench -Dquarkus.datasource.password=bench "$@"
