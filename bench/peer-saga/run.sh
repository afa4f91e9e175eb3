#!/usr/bin/env bash
# The peer saga (see README.md here, and shared/bench/peer-saga/README.md, its specification) on
# Sagaline's engine library, beside the same statements issued bare by pgbench, on one PostgreSQL.
#
#   bench/peer-saga/run.sh concurrency=8 sagas=2000 runs=3 warmup=1000 fail=20
#   bench/peer-saga/run.sh jdbc=jdbc:postgresql://host:5432/bench limit=off
#
# Options (key=value): jdbc= (default jdbc:postgresql://127.0.0.1:5432/bench, user and password
# bench), concurrency=, sagas=, runs=, warmup=, fail=, as the specification gives them; limit=on|off
# (pgbench with saga.sql at the same concurrency after the engine's runs; on by default);
# transactions=own|shared|both (how the steps commit, below; both by default).
# Without jdbc=, installs PostgreSQL 15 from the system's packages when it is missing and runs
# Debian's cluster 15/main on port 5432 with its durable defaults (fsync, synchronous_commit on).
# Needs root for that (apt-get, pg_ctlcluster), as on the CI machines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

declare -A opt=([jdbc]=jdbc:postgresql://127.0.0.1:5432/bench [concurrency]=8 [sagas]=2000 [runs]=3 [warmup]=1000 [transactions]=both
    [fail]=20 [limit]=on)
for arg in "$@"; do
    [[ "$arg" == *=* ]] || { echo "run.sh: not key=value: $arg" >&2; exit 2; }
    opt[${arg%%=*}]=${arg#*=}
done
# jdbc:postgresql://host:port/db
url=${opt[jdbc]#jdbc:postgresql://}
hostport=${url%%/*}
db=${url#*/}
db=${db%%\?*}
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" != "$hostport" ] || port=5432

if [ "${opt[jdbc]}" = "jdbc:postgresql://127.0.0.1:5432/bench" ]; then
    if ! command -v pg_ctlcluster >/dev/null || [ ! -x /usr/lib/postgresql/15/bin/postgres ] || ! command -v pgbench >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
    fi
    if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx 15/main; then
        pg_createcluster 15 main --port 5432 --locale C.UTF-8 >/dev/null
    fi
    # Its durable defaults stay; only connections for the pool and no TLS (the engine and pgbench connect the same way).
    printf 'max_connections = 200\nssl = off\n' > /etc/postgresql/15/main/conf.d/peer-saga.conf
    if pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $4}' | grep -qx online; then
        pg_ctlcluster 15 main restart
    else
        pg_ctlcluster 15 main start
    fi
    admin() { runuser -u postgres -- psql -p 5432 -v ON_ERROR_STOP=1 -qAt -c "$1"; }
    admin "do \$\$ begin if not exists (select from pg_roles where rolname = 'bench') then create role bench login password 'bench'; end if; end \$\$"
    [ "$(admin "select count(*) from pg_database where datname = 'bench'")" = 1 ] || admin "create database bench owner bench"
fi
export PGPASSWORD=bench PGOPTIONS="-c client_min_messages=warning"
sql() { psql -h "$host" -p "$port" -U bench -d "$db" -v ON_ERROR_STOP=1 -qAt "$@"; }
for setting in fsync synchronous_commit; do
    value=$(sql -c "show $setting")
    [ "$value" = on ] || echo "run.sh: $setting is $value on this server: not its durable default" >&2
done

# The runner: the engine library (installed with its parent pom), then this module and its class path.
(cd "$repo" && ./mvnw -q -B install -N -f reactor/pom.xml && ./mvnw -q -B install -f engine/pom.xml -DskipTests)
(cd "$repo" && ./mvnw -q -B package -f bench/peer-saga/pom.xml dependency:build-classpath \
    -Dmdep.outputFile="$here/target/classpath.txt")
classpath="$here/target/classes:$(cat "$here/target/classpath.txt")"

fresh() {
    sql -f "$here/schema.sql" >/dev/null
    sql -c "drop schema if exists engine cascade" >/dev/null
    for migration in $(ls "$repo"/engine/src/main/resources/db/engine/V*.sql | sort -V); do
        sql -f "$migration" >/dev/null
    done
}

# One JVM per way the steps commit: schema.sql, the engine's tables empty, warm-up, then the measured runs.
# shared: a step's statements and the engine's transition after it in one transaction (one commit per step);
# own: each step commits on its own, the engine after it (what any orchestrator of separate databases does).
case "${opt[transactions]}" in both) modes="own shared" ;; *) modes=${opt[transactions]} ;; esac
for mode in $modes; do
    fresh
    java -XX:+UseParallelGC -cp "$classpath" io.sagaline.bench.peer.PeerSagaRunner "jdbc=${opt[jdbc]}" \
        "concurrency=${opt[concurrency]}" "sagas=${opt[sagas]}" "runs=${opt[runs]}" "warmup=${opt[warmup]}" \
        "fail=${opt[fail]}" "transactions=$mode" "verify=$here/verify.sql"
done

# The limit: the same statements issued bare, at the same concurrency, as many sagas per run.
if [ "${opt[limit]}" = on ]; then
    c=${opt[concurrency]}
    per_client=$(( (${opt[sagas]} + c - 1) / c ))
    for n in $(seq 1 "${opt[runs]}"); do
        fresh
        logs=$(mktemp -d)
        out=$( cd "$logs" && pgbench -h "$host" -p "$port" -U bench -n -f "$here/saga.sql" -D failpct="${opt[fail]}" \
            -c "$c" -j "$c" -t "$per_client" -l "$db" 2>&1 )
        tps=$(grep -oP 'tps = \K[0-9.]+' <<<"$out" | head -1)
        failed=$(grep -oP 'number of failed transactions: \K[0-9]+' <<<"$out" || echo 0)
        # per-transaction latency in microseconds is the third field of pgbench's log
        read -r p50 p95 p99 < <(cat "$logs"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1}
            END {i50=int(NR*0.50+0.999); i95=int(NR*0.95+0.999); i99=int(NR*0.99+0.999);
                 printf "%.1f %.1f %.1f\n", a[i50]/1000, a[i95]/1000, a[i99]/1000}')
        row=$(sql -F ' ' -f "$here/verify.sql")
        read -r unfinished bad_stock bad_credit stock_mismatch credit_mismatch rejected_live confirmed_unpaid confirmed rejected <<<"$row"
        invariants=OK
        for v in $unfinished $bad_stock $bad_credit $stock_mismatch $credit_mismatch $rejected_live $confirmed_unpaid; do
            [ "$v" = 0 ] || invariants=FAIL
        done
        echo "RESULT pgbench-c$c run=$n sagas_per_s=$tps p50_ms=$p50 p95_ms=$p95 p99_ms=$p99 errors=${failed:-0} invariants=$invariants confirmed=$confirmed rejected=$rejected"
        rm -rf "$logs"
    done
fi
