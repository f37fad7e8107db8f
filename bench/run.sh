#!/usr/bin/env bash
# pg_migrate benchmark (issue 2, item 14) — see bench/README.md.
#
# Applies N generated migrations to an empty database with pg_migrate and with
# the comparison tools, on one throwaway PostgreSQL 15 cluster that this script
# creates (as the postgres OS user, unix socket only) and removes at the end.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=54329                     # only names the socket file: no TCP listener
# Debian's /usr/bin/psql is a Perl wrapper (pg_wrapper) that costs ~50 ms per
# start here; put the real binaries first so no tool (sqitch runs psql once
# per change) pays for it.
export PATH=$PG_BIN:$PATH
ALL_TOOLS=psql-1,psql-file,pg_migrate,pg_migrate-1,dbmate,sqitch

# ---------------------------------------------------------------- options ---
SIZES=100,1000,10000
TOOLS=$ALL_TOOLS
REPEAT=3
NOOP_N=10000                   # applied migrations for the no-op measurements
NOOP_RUNS=10
SPLIT_N=80000                  # statements in the one script of the split phase
MARKDOWN=""
KEEP=0
ALLOW_STANDIN=0
BUDGET=900                     # seconds allowed per (tool, N); see plan_runs

usage() {
    cat <<EOF
usage: bench/run.sh [--sizes 100,1000,10000] [--tools LIST] [--repeat R]
                    [--noop-n N] [--budget S] [--markdown FILE] [--quick] [--keep]
  --sizes     migration counts to apply (default $SIZES)
  --tools     comma-separated subset of: $ALL_TOOLS,psql-proc
              (psql-proc = one psql process per file; not in the default set)
              add 'noop' to run only the no-op phase, or 'nonoop' to skip it;
              'split' to run only the split phase, or 'nosplit' to skip it
  --repeat    runs per (tool, N); the median is reported (default $REPEAT)
  --noop-n    migrations applied before the no-op apply/info timing (default $NOOP_N)
  --split-n   statements in the one script of the split phase (default $SPLIT_N)
  --budget    seconds allowed per (tool, N) (default $BUDGET): a tool whose
              time at the previous N, scaled linearly, says R runs would not
              fit gets fewer runs (shown as "(k runs)"), or is skipped
  --markdown  also write the results as markdown to FILE
  --quick     smoke test: --sizes 100 --repeat 1 --noop-n 100 --split-n 1000
  --keep      keep the temp dir (cluster, generated files, logs) for inspection
  --allow-standin  time a pg_migrate without C functions (harness testing only)
EOF
}

parse_args() {
    while (($#)); do
        case $1 in
            --sizes) SIZES=$2; shift ;;
            --tools) TOOLS=$2; shift ;;
            --repeat) REPEAT=$2; shift ;;
            --noop-n) NOOP_N=$2; shift ;;
            --split-n) SPLIT_N=$2; shift ;;
            --budget) BUDGET=$2; shift ;;
            --markdown) MARKDOWN=$2; shift ;;
            --quick) SIZES=100; REPEAT=1; NOOP_N=100; SPLIT_N=1000 ;;
            --keep) KEEP=1 ;;
            --allow-standin) ALLOW_STANDIN=1 ;;
            -h|--help) usage; exit 0 ;;
            *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        esac
        shift
    done
}

has_tool() { [[ ",$TOOLS," == *",$1,"* ]]; }

# Names in --tools that select or skip a phase rather than name a tool.
is_phase() { [[ $1 == noop || $1 == nonoop || $1 == split || $1 == nosplit ]]; }

log() { echo "[bench] $*" >&2; }

# ----------------------------------------------------------- dependencies ---
# Installs only what is missing, so a second run is offline and fast.
ensure_deps() {
    local pkgs=()
    has_tool sqitch && ! command -v sqitch >/dev/null && pkgs+=(sqitch)
    has_tool sqitch && ! dpkg -s libdbd-pg-perl >/dev/null 2>&1 && pkgs+=(libdbd-pg-perl)
    if ((${#pkgs[@]})); then
        log "apt-get install ${pkgs[*]}"
        apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >/dev/null
    fi
    if has_tool dbmate && [[ ! -x $(dbmate_bin) ]]; then
        # npm install, not npm ci: npm 11's ci refuses this lock file, which
        # lists only the linux-x64 one of dbmate's optional platform packages.
        log "npm install (dbmate, pinned in bench/package-lock.json)"
        npm install --prefix "$BENCH_DIR" --no-audit --no-fund --loglevel=error
    fi
}

# The npm package's bin is a node wrapper that spawns the Go binary; call the
# binary directly so dbmate is not charged ~40 ms of node start-up per run.
dbmate_bin() {
    local arch
    case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
    echo "$BENCH_DIR/node_modules/@dbmate/linux-$arch/bin/dbmate"
}

# ---------------------------------------------------------------- cluster ---
WORK=""
start_cluster() {
    WORK=$(mktemp -d /tmp/pg_migrate-bench.XXXXXX)
    chmod 755 "$WORK"          # the server (postgres) must read the migrations
    mkdir -p "$WORK/data" "$WORK/sock" "$WORK/mig" "$WORK/logs"
    chown postgres: "$WORK/data" "$WORK/sock" "$WORK/logs"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust \
        >"$WORK/logs/initdb.log"
    # Durability stays at the defaults (fsync, synchronous_commit, full_page_writes
    # on): the per-transaction commit cost is part of what is compared.
    # max_locks_per_transaction is raised because `psql -1` (and
    # single-transaction pg_migrate) with N = 10000 holds ~40000 relation locks
    # in one transaction, which does not fit the default lock table (64 x 100).
    cat >>"$WORK/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$WORK/sock'
port = $PORT
max_locks_per_transaction = 1024
EOF
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/logs/server.log" -w start >/dev/null
    export PGHOST=$WORK/sock PGPORT=$PORT PGUSER=postgres
}

cleanup() {
    if [[ -n $WORK ]]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
        if ((KEEP)); then log "kept $WORK"; else rm -rf "$WORK"; fi
    fi
}

# client_min_messages: no "database ... does not exist, skipping" notices
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -At -d postgres "$@"; }

# A fresh empty database per timed run; CHECKPOINT so that no run starts with
# another run's dirty buffers still to write.
fresh_db() {
    psql_admin -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" -c "CHECKPOINT" >&2
}
drop_db() { psql_admin -c "DROP DATABASE IF EXISTS $1" >&2; }

# Whether the real extension is installed, probed once in a scratch database.
# A plpgsql stand-in (other sessions install one while the C code is not
# built) has no C functions: its figures would be meaningless, so it counts as
# not installed unless --allow-standin (for testing this harness only).
PGM_STATUS=""
probe_pg_migrate() {
    local c_funcs
    if [[ $(psql_admin -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_migrate'") != 1 ]]; then
        PGM_STATUS="extension not installed (make -C $(dirname "$BENCH_DIR") install)"; return
    fi
    fresh_db bench_probe
    if ! c_funcs=$(psql -X -q -v ON_ERROR_STOP=1 -At -d bench_probe -c "CREATE EXTENSION pg_migrate" -c "
            SELECT count(*) FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
            JOIN pg_language l ON l.oid = p.prolang
            WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
              AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_migrate')
              AND l.lanname = 'c'" 2>&1); then
        PGM_STATUS="CREATE EXTENSION pg_migrate failed: $c_funcs"
    elif [[ $c_funcs == 0 ]] && ((!ALLOW_STANDIN)); then
        PGM_STATUS="extension not installed (only a stand-in without C functions; --allow-standin to time it anyway)"
    else
        PGM_STATUS=ok
    fi
    drop_db bench_probe
    log "pg_migrate: $PGM_STATUS"
}
pg_migrate_available() { [[ $PGM_STATUS == ok ]]; }

# The installed library's checksum, taken at the start and the end: the
# extension directory is shared by the whole machine, and a `make install`
# from elsewhere during the run would mix two builds in one table.
pg_migrate_so_sum() {
    local so
    so=$("$PG_BIN/pg_config" --pkglibdir)/pg_migrate.so
    [[ -f $so ]] && sha256sum "$so" | cut -c1-12 || echo none
}

# ------------------------------------------------------------- generation ---
# The one migration body every tool applies: a 5-column table, an index and
# 10 rows. Each tool gets the same SQL in its own file layout.
# (A template rather than a function: generating 10000 files must not
# fork 10000 times.) @N@ stands for the migration number.
MIGRATION_TEMPLATE='CREATE TABLE t@N@ (
    id integer NOT NULL,
    name text NOT NULL,
    qty integer NOT NULL DEFAULT 0,
    price numeric(10,2),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX t@N@_name_idx ON t@N@ (name);
INSERT INTO t@N@ (id, name, qty, price) VALUES
    (1, '"'a1'"', 1, 1.50), (2, '"'a2'"', 2, 2.50), (3, '"'a3'"', 3, 3.50), (4, '"'a4'"', 4, 4.50),
    (5, '"'a5'"', 5, 5.50), (6, '"'a6'"', 6, 6.50), (7, '"'a7'"', 7, 7.50), (8, '"'a8'"', 8, 8.50),
    (9, '"'a9'"', 9, 9.50), (10, '"'a10'"', 10, 10.50);'

# Layout per N under $WORK/mig/N:
#   flyway/V<i>__create_t<i>.sql  pg_migrate (and the files psql reads)
#   all.sql                       concatenation, for psql -1 -f
#   per_file.sql                  BEGIN; \i file; COMMIT; per file, for psql-file
#   dbmate/<i>_create_t<i>.sql    -- migrate:up / -- migrate:down
#   sqitch/                       sqitch.conf, sqitch.plan, deploy/t<i>.sql
generate() {
    local n=$1 d=$WORK/mig/$1 i f sql
    mkdir -p "$d/flyway" "$d/dbmate" "$d/sqitch/deploy"
    printf '%s\n' '%syntax-version=1.0.0' '%project=bench' '' >"$d/sqitch/sqitch.plan"
    printf '[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n[engine "pg"]\n\tclient = %s\n' \
        "$PG_BIN/psql" >"$d/sqitch/sqitch.conf"
    for ((i = 1; i <= n; i++)); do
        sql=${MIGRATION_TEMPLATE//@N@/$i}
        f=$d/flyway/V${i}__create_t$i.sql
        printf '%s\n' "$sql" >"$f"
        printf '%s\n' "$sql" >>"$d/all.sql"
        printf 'BEGIN;\n\\i %s\nCOMMIT;\n' "$f" >>"$d/per_file.sql"
        # dbmate orders by version string: zero-pad; it wraps each file in a transaction.
        printf -- '-- migrate:up\n%s\n\n-- migrate:down\nDROP TABLE t%d;\n' "$sql" "$i" \
            >"$d/dbmate/$(printf '%05d' "$i")_create_t$i.sql"
        # sqitch does not wrap scripts in a transaction; its own template writes BEGIN/COMMIT.
        printf 'BEGIN;\n%s\nCOMMIT;\n' "$sql" >"$d/sqitch/deploy/t$i.sql"
        printf 't%d 2026-01-01T00:00:00Z Bench <bench@example.com> # create t%d\n' "$i" "$i" \
            >>"$d/sqitch/sqitch.plan"
    done
}

# ------------------------------------------------------------------ tools ---
# run_<tool> N DB: apply the N migrations to the empty database DB.
# setup_<tool> (optional) runs before the clock starts.
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

run_psql-1()    { "${PSQL[@]}" -1 -f "$WORK/mig/$1/all.sql" -d "$2"; }
run_psql-file() { "${PSQL[@]}" -f "$WORK/mig/$1/per_file.sql" -d "$2"; }
run_psql-proc() {
    local f
    for f in "$WORK/mig/$1"/flyway/V*.sql; do "${PSQL[@]}" -1 -f "$f" -d "$2"; done
}

setup_pg_migrate()   { "${PSQL[@]}" -d "$2" -c "CREATE EXTENSION pg_migrate"; }
setup_pg_migrate-1() { setup_pg_migrate "$@"; }
run_pg_migrate() {
    "${PSQL[@]}" -d "$2" -c "SET pg_migrate.locations = 'filesystem:$WORK/mig/$1/flyway'" \
        -c "SELECT count(*) FROM migrate_apply()"
}
run_pg_migrate-1() {
    "${PSQL[@]}" -d "$2" -c "SET pg_migrate.locations = 'filesystem:$WORK/mig/$1/flyway'" \
        -c "SELECT count(*) FROM migrate_apply(single_transaction => true)"
}

# --no-dump-schema: otherwise dbmate runs pg_dump after migrating.
run_dbmate() {
    "$(dbmate_bin)" --url "postgres://postgres@/$2?socket=$PGHOST&port=$PORT&sslmode=disable" \
        --migrations-dir "$WORK/mig/$1/dbmate" --no-dump-schema migrate
}

# sqitch runs one psql process per change and records it over DBD::Pg; the
# target has no host so libpq's PGHOST/PGPORT (our socket) are used.
run_sqitch() {
    (cd "$WORK/mig/$1/sqitch" &&
        SQITCH_USER_CONFIG=/dev/null SQITCH_FULLNAME=Bench SQITCH_EMAIL=bench@example.com \
            sqitch --quiet deploy "db:pg://postgres@/$2")
}

# Every tool must leave N tables of 10 rows, or its time is not reported.
check_applied() {
    local got
    got=$(psql -X -At -d "$2" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '^t[0-9]+\$'")
    [[ $got == "$1" ]] && [[ $(psql -X -At -d "$2" -c "SELECT count(*) FROM t$1") == 10 ]] ||
        { echo "expected $1 tables, found $got" >&2; return 1; }
}

# --------------------------------------------------------------- timing -----
# date +%s%N reads CLOCK_REALTIME: bash has no monotonic clock, and the clock
# is only slewed here, never stepped, during a run; a run hit by a step would
# be an outlier that the median outvotes. Each reading forks `date` (~6 ms
# here, partly inside the interval): negligible against runs of 0.5 s and up.
now_ns() { date +%s%N; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
    printf "%.3f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# time_once TOOL N R -> prints the seconds of run R, or FAIL with the reason on stderr
time_once() {
    local tool=$1 n=$2 r=$3 t0 t1
    local db=bench_${tool//-/_}_${n}_$r lg=$WORK/logs/$tool-$n-$r.log
    fresh_db "$db"
    if declare -F "setup_$tool" >/dev/null && ! "setup_$tool" "$n" "$db" >"$lg" 2>&1; then
        log "$tool N=$n: setup failed: $(tail -n 3 "$lg")"; echo FAIL; return
    fi
    t0=$(now_ns)
    if ! "run_$tool" "$n" "$db" >>"$lg" 2>&1; then
        log "$tool N=$n run $r failed: $(tail -n 5 "$lg")"; echo FAIL; return
    fi
    t1=$(now_ns)
    if ! check_applied "$n" "$db" >>"$lg" 2>&1; then
        log "$tool N=$n run $r: wrong result: $(tail -n 2 "$lg")"; echo FAIL; return
    fi
    drop_db "$db"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

# plan_runs TOOL N -> how many runs fit in BUDGET, judged from the tool's
# median at the previous (smaller) N scaled linearly; 0 = skip. Tools that
# start a process per migration (sqitch, psql-proc) need this at N = 10000.
plan_runs() {
    local prev_n=${LAST_N[$1]:-} prev_s=${LAST_S[$1]:-}
    [[ -n $prev_n && $prev_s =~ ^[0-9.]+$ ]] || { echo "$REPEAT"; return; }
    awk -v s="$prev_s" -v pn="$prev_n" -v n="$2" -v r="$REPEAT" -v b="$BUDGET" \
        'BEGIN { est = s * n / pn; k = int(b / est); print (k > r) ? r : k }'
}

# ---------------------------------------------------------------- no-op -----
# With NOOP_N migrations applied, time migrate_apply() (nothing pending) and
# migrate_info() NOOP_RUNS times each inside one psql session with \timing:
# psql start-up and connection are excluded; the socket round trip is included.
# count(*) keeps psql's row formatting out of the figure.
noop_phase() {
    local db=bench_noop lg=$WORK/logs/noop.log apply info
    if ! pg_migrate_available; then
        NOOP_APPLY="not measured ($PGM_STATUS)"; NOOP_INFO=$NOOP_APPLY
        log "no-op: $PGM_STATUS — skipped"; return
    fi
    [[ -d $WORK/mig/$NOOP_N ]] || generate "$NOOP_N"
    fresh_db "$db"
    if ! { setup_pg_migrate "$NOOP_N" "$db" && run_pg_migrate-1 "$NOOP_N" "$db" &&
        check_applied "$NOOP_N" "$db"; } >"$lg" 2>&1; then
        log "no-op: applying $NOOP_N migrations failed: $(tail -n 5 "$lg")"
        NOOP_APPLY=FAIL; NOOP_INFO=FAIL; return
    fi
    {
        echo "SET pg_migrate.locations = 'filesystem:$WORK/mig/$NOOP_N/flyway';"
        echo '\timing on'
        for ((r = 0; r < NOOP_RUNS; r++)); do echo "SELECT count(*) AS apply_rows FROM migrate_apply();"; done
        for ((r = 0; r < NOOP_RUNS; r++)); do echo "SELECT count(*) AS info_rows FROM migrate_info();"; done
    } >"$WORK/noop.sql"
    if ! psql -X -v ON_ERROR_STOP=1 -At -d "$db" -f "$WORK/noop.sql" >"$lg" 2>&1; then
        log "no-op: failed: $(tail -n 5 "$lg")"; NOOP_APPLY=FAIL; NOOP_INFO=FAIL; return
    fi
    # Output alternates "<count>" and "Time: X ms"; the first NOOP_RUNS times are apply.
    local counts times
    counts=$(grep -v '^Time:' "$lg" | grep -E '^[0-9]+$' | tr '\n' ' ')
    times=$(awk '/^Time:/ { print $2 }' "$lg")
    apply=$(head -n "$NOOP_RUNS" <<<"$times" | median)
    info=$(tail -n "$NOOP_RUNS" <<<"$times" | median)
    log "no-op row counts (apply x$NOOP_RUNS, info x$NOOP_RUNS): $counts"
    NOOP_APPLY=$apply; NOOP_INFO=$info
    NOOP_APPLY_ROWS=$(awk '{ print $1 }' <<<"$counts"); NOOP_INFO_ROWS=$(awk -v k=$((NOOP_RUNS + 1)) '{ print $k }' <<<"$counts")
    drop_db "$db"
}

# ---------------------------------------------------------------- split -----
# One script of SPLIT_N one-line statements ("SELECT 1;"): migrate_plan()
# splits it and lists every statement with its line; migrate_apply() splits
# it in the worker and runs it. REPEAT runs of each in one psql session with
# \timing (the history is dropped, untimed, between applies). The plan's last
# line must be SPLIT_N and the apply must report one migration, or FAIL.
split_phase() {
    local db=bench_split lg=$WORK/logs/split.log dir=$WORK/mig/split r
    if ! pg_migrate_available; then
        SPLIT_PLAN="not measured ($PGM_STATUS)"; SPLIT_APPLY=$SPLIT_PLAN
        log "split: $PGM_STATUS — skipped"; return
    fi
    mkdir -p "$dir"
    yes 'SELECT 1;' | head -n "$SPLIT_N" >"$dir/V1__many_statements.sql" || true
    fresh_db "$db"
    {
        echo "SET pg_migrate.locations = 'filesystem:$dir';"
        echo '\timing on'
        for ((r = 0; r < REPEAT; r++)); do
            echo "SELECT 'plan', count(*), max(line) FROM migrate_plan();"
        done
        for ((r = 0; r < REPEAT; r++)); do
            echo "SELECT 'apply', count(*) FROM migrate_apply();"
            echo '\timing off'
            echo 'DROP TABLE flyway_schema_history;'
            echo '\timing on'
        done
    } >"$WORK/split.sql"
    if ! { setup_pg_migrate 0 "$db" &&
        psql -X -v ON_ERROR_STOP=1 -At -d "$db" -f "$WORK/split.sql"; } >"$lg" 2>&1; then
        log "split: failed: $(tail -n 5 "$lg")"; SPLIT_PLAN=FAIL; SPLIT_APPLY=FAIL; return
    fi
    # Timed lines alternate "<result>" and "Time: X ms": REPEAT plans, then REPEAT applies.
    local times bad
    times=$(awk '/^Time:/ { print $2 }' "$lg")
    bad=$(grep -E '^(plan|apply)\|' "$lg" | grep -v -E "^plan\|[0-9]+\|$SPLIT_N\$|^apply\|1\$" || true)
    if [[ -n $bad ]]; then
        log "split: wrong result: $bad"; SPLIT_PLAN=FAIL; SPLIT_APPLY=FAIL; return
    fi
    SPLIT_PLAN=$(head -n "$REPEAT" <<<"$times" | median)
    SPLIT_APPLY=$(tail -n "$REPEAT" <<<"$times" | median)
    drop_db "$db"
}

# --------------------------------------------------------------- report -----
machine_info() {
    local fs
    fs=$(df -T "$WORK" | awk 'NR == 2 { print $2 }')
    echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
         "$(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- Load average when the run started: $LOAD_AT_START (other work on the machine adds noise)"
    echo "- PostgreSQL: $(psql_admin -c 'SHOW server_version')"
    echo "- Cluster: fresh initdb in $fs temp dir, unix socket only;" \
         "fsync=$(psql_admin -c 'SHOW fsync'), synchronous_commit=$(psql_admin -c 'SHOW synchronous_commit')," \
         "full_page_writes=$(psql_admin -c 'SHOW full_page_writes'), wal_sync_method=$(psql_admin -c 'SHOW wal_sync_method')," \
         "shared_buffers=$(psql_admin -c 'SHOW shared_buffers'), max_locks_per_transaction=$(psql_admin -c 'SHOW max_locks_per_transaction')" \
         "(everything else default; the same cluster for every tool)"
    echo "- Tools: $(psql --version);" \
         "dbmate $("$(dbmate_bin)" --version 2>/dev/null | awk '{ print $3 }' || echo absent) (npm, Go binary called directly, --no-dump-schema);" \
         "$(sqitch --version 2>/dev/null || echo 'sqitch absent');" \
         "pg_migrate $(psql_admin -c "SELECT coalesce(max(default_version), '') FROM pg_available_extensions WHERE name = 'pg_migrate'") ($PGM_STATUS; ${SO_NOTE:-})"
    echo "- Each figure: median of $REPEAT wall-clock runs (date +%s%N around the client command; the tools take turns, run 1 of each, then run 2 of each, ...), fresh empty database per run"
}

spread() { [[ -n $1 ]] && tr ' ' '\n' <<<"$1" | sort -g | awk 'NF { v[++n] = $1 } END { printf "%s–%s", v[1], v[n] }' || echo "-"; }

ratio() { [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' || echo "-"; }

declare -A RESULT RUNS TIMES LAST_N LAST_S
NOOP_APPLY="not run (see --tools)" NOOP_INFO="not run (see --tools)"
NOOP_APPLY_ROWS="" NOOP_INFO_ROWS=""
SPLIT_PLAN="not run (see --tools)" SPLIT_APPLY="not run (see --tools)"

# print_table FORMAT(text|md)
print_table() {
    local n tool s r1 rf range
    if [[ $1 == md ]]; then
        echo "| N | tool | median s | vs psql -1 | vs psql per file | min–max s |"
        echo "|---:|---|---:|---:|---:|---:|"
    else
        printf '%7s  %-14s %16s %11s %13s  %s\n' N tool "median s" "vs psql -1" "vs psql/file" "min-max s"
    fi
    for n in ${SIZES//,/ }; do
        for tool in ${TOOLS//,/ }; do
            is_phase "$tool" && continue
            s=${RESULT[$tool,$n]:-"-"}
            range=$(spread "${TIMES[$tool,$n]:-}")
            r1=$(ratio "$s" "${RESULT[psql-1,$n]:-}")
            rf=$(ratio "$s" "${RESULT[psql-file,$n]:-}")
            # fewer runs than asked (budget): say how many the median is of
            case ${RUNS[$tool,$n]:-$REPEAT} in
                "$REPEAT" | 0) ;;
                1) s="$s (1 run)" ;;
                *) s="$s (${RUNS[$tool,$n]} runs)" ;;
            esac
            if [[ $1 == md ]]; then echo "| $n | $tool | $s | $r1 | $rf | $range |"
            else printf '%7s  %-14s %16s %11s %13s  %s\n' "$n" "$tool" "$s" "$r1" "$rf" "$range"; fi
        done
    done
}

# ms_or_status VALUE -> "median X ms of R runs" or the reason it was not measured
ms_or_status() {
    [[ $1 =~ ^[0-9.]+$ ]] && echo "median $1 ms of ${2:-$NOOP_RUNS} runs" || echo "$1"
}

split_lines() {
    echo "- migrate_plan() of one script of $SPLIT_N statements (one per line): $(ms_or_status "$SPLIT_PLAN" "$REPEAT")"
    echo "- migrate_apply() of it (split and run in the worker, one transaction): $(ms_or_status "$SPLIT_APPLY" "$REPEAT")"
    echo "- Timed with psql \\timing inside one session; each plan lists every statement with its line, the last one checked to be line $SPLIT_N"
}

noop_lines() {
    echo "- migrate_apply() with $NOOP_N applied, nothing pending: $(ms_or_status "$NOOP_APPLY") (rows returned: ${NOOP_APPLY_ROWS:-?}; target < 100 ms)"
    echo "- migrate_info() with $NOOP_N applied: $(ms_or_status "$NOOP_INFO") (rows returned: ${NOOP_INFO_ROWS:-?}; target < 200 ms)"
    echo "- Timed with psql \\timing inside one session (excludes psql start-up and connection; includes the unix-socket round trip); SELECT count(*) FROM ... so client formatting is excluded"
}

write_markdown() {
    {
        echo "## Engine: applying N migrations"
        echo
        echo "Command: \`$CMDLINE\` ($(date -u +%Y-%m-%d))"
        echo
        machine_info
        echo
        print_table md
        echo
        echo "## Engine: no-op apply and info"
        echo
        noop_lines
        echo
        echo "## Engine: splitting a large script"
        echo
        split_lines
    } >"$MARKDOWN"
    log "markdown written to $MARKDOWN"
}

# measure_size N: REPEAT rounds, each running every tool once. Interleaving
# the tools (rather than R runs of one tool, then the next) spreads any drift
# in the machine's load over all of them instead of charging it to one.
measure_size() {
    local n=$1 r tool t tools=()
    for tool in ${TOOLS//,/ }; do
        is_phase "$tool" && continue
        declare -F "run_$tool" >/dev/null || { echo "unknown tool: $tool" >&2; exit 2; }
        if [[ $tool == pg_migrate* ]] && ! pg_migrate_available; then
            log "$tool N=$n: $PGM_STATUS — skipped"; RESULT[$tool,$n]="not installed"; continue
        fi
        RUNS[$tool,$n]=$(plan_runs "$tool" "$n")
        if ((RUNS[$tool,$n] == 0)); then
            log "$tool N=$n: one run would exceed --budget $BUDGET s — skipped"
            RESULT[$tool,$n]="skipped"; continue
        fi
        tools+=("$tool")
    done
    for ((r = 1; r <= REPEAT; r++)); do
        for tool in "${tools[@]}"; do
            ((r <= RUNS[$tool,$n])) && [[ ${RESULT[$tool,$n]:-} != FAIL ]] || continue
            t=$(time_once "$tool" "$n" "$r")
            if [[ $t == FAIL ]]; then RESULT[$tool,$n]=FAIL; continue; fi
            TIMES[$tool,$n]="${TIMES[$tool,$n]:-} $t"
            log "$tool N=$n run $r: $t s"
        done
    done
    for tool in "${tools[@]}"; do
        [[ ${RESULT[$tool,$n]:-} == FAIL ]] && continue
        RESULT[$tool,$n]=$(tr ' ' '\n' <<<"${TIMES[$tool,$n]}" | grep . | median)
        LAST_N[$tool]=$n LAST_S[$tool]=${RESULT[$tool,$n]}
    done
}

# ----------------------------------------------------------------- main -----
main() {
    CMDLINE="bench/run.sh $*"
    LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
    parse_args "$@"
    [[ $(id -u) == 0 ]] || { echo "run as root (initdb runs via runuser -u postgres)" >&2; exit 1; }
    ensure_deps
    trap cleanup EXIT
    start_cluster
    probe_pg_migrate
    SO_AT_START=$(pg_migrate_so_sum)
    local n tool apply_tools=0
    for tool in ${TOOLS//,/ }; do is_phase "$tool" || apply_tools=1; done
    for n in ${SIZES//,/ }; do
        ((apply_tools)) || break
        log "generating $n migrations"
        generate "$n"
        measure_size "$n"
    done
    if ! has_tool nonoop && { has_tool noop || has_tool pg_migrate || has_tool pg_migrate-1; }; then
        log "no-op phase with $NOOP_N applied migrations"
        noop_phase
    fi
    if ! has_tool nosplit && { has_tool split || has_tool pg_migrate || has_tool pg_migrate-1; }; then
        log "split phase: one script of $SPLIT_N statements"
        split_phase
    fi
    SO_NOTE="pg_migrate.so sha256 ${SO_AT_START}…, unchanged during the run"
    if [[ $(pg_migrate_so_sum) != "$SO_AT_START" ]]; then
        SO_NOTE="WARNING: pg_migrate.so changed during the run (${SO_AT_START}… -> $(pg_migrate_so_sum)…): the pg_migrate figures mix builds"
        log "$SO_NOTE"
    fi
    echo
    machine_info
    echo
    print_table text
    echo
    noop_lines
    echo
    split_lines
    [[ -z $MARKDOWN ]] || write_markdown
}

main "$@"
