#!/usr/bin/env bash
# bench/cli/run.sh — the pg_migrate command against psql and dbmate.
#
#   bench/cli/run.sh                     N = 100, 1000, 10000 (~15 min on 2 cores)
#   bench/cli/run.sh --quick              N = 100, 1000; no-op phase over 1000
#   PG_MIGRATE_BIN=client/pg_migrate bench/cli/run.sh
#   bench/cli/run.sh --help              the other options (--sizes, --tools, --repeat, ...)
#
# One run, one throwaway PostgreSQL 15 cluster (initdb as the postgres OS user
# when run as root, else as the caller; unix socket only, no TCP), removed at
# the end. For each N it applies the same N generated migrations to a fresh
# empty database with each tool, interleaved (run 1 of every tool, then run 2,
# ...), and reports the median wall time:
#
#   psql-file   the reference: ONE psql process, one connection, whose script is
#               "BEGIN; \i V<i>__....sql; COMMIT;" per file — a transaction per
#               file, as the command applies them over one connection.
#   psql-1      psql -1 over all files at once (a driver of "\i" lines): one
#               transaction, the floor.
#   pg_migrate  $PG_MIGRATE_BIN -url=postgresql:///DB?host=SOCK&port=P&user=postgres
#               -locations=filesystem:DIR migrate  (skipped, with a message, when
#               the binary is absent: the command is being written)
#   dbmate      dbmate --no-dump-schema migrate: the Go binary of the npm package
#               (pinned in bench/package.json), installed with `npm install` into
#               bench/node_modules when missing; skipped, with a message, when
#               it cannot be installed.
#   psql-proc   (opt-in, --tools) a shell loop, one `psql -1 -f FILE` process
#               per file: what a team's deploy script often is; it pays a
#               process start and a connection per file.
#
# Each migration is the body bench/run.sh uses (CREATE TABLE of 5 columns,
# CREATE INDEX, INSERT of 10 rows), as V<i>__create_t<i>.sql for psql and
# pg_migrate and as <0000i>_create_t<i>.sql with "-- migrate:up" for dbmate.
# After each run the database must hold N tables of 10 rows (and, for
# pg_migrate and dbmate, N rows of history), or the tool gets FAIL, not a time.
#
# Then the no-op phase, over NOOP_N (10000) applied migrations: `pg_migrate
# migrate` with nothing pending and `pg_migrate info`, and dbmate's `migrate`
# and `status` for comparison, NOOP_RUNS times each after one untimed warm-up.
#
# Timing: bench/cli/timeit.c (built here with cc) reads CLOCK_MONOTONIC before
# fork() and after wait4(): process start to exit, including connection set-up,
# as a deploy job pays it. It also gives the client's CPU time and peak RSS.
# Output: a markdown table to stdout and to --markdown FILE (default
# bench/cli/results.md), ready for docs/benchmarks.md ("The command: ...").
# Durability settings stay at their defaults; see docs/benchmarks.md.
set -euo pipefail

CLI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(dirname "$CLI_DIR")
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=54331                     # only names the socket file: no TCP listener
# The real psql, not Debian's Perl wrapper (~50 ms per start, see bench/README.md).
export PATH=$PG_BIN:$PATH
ALL_TOOLS=psql-file,psql-1,pg_migrate,dbmate

# ---------------------------------------------------------------- options ---
SIZES=100,1000,10000
TOOLS=$ALL_TOOLS
REPEAT=3
NOOP_N=10000
NOOP_RUNS=10
BUDGET=900
MARKDOWN=$CLI_DIR/results.md
KEEP=0

usage() {
    cat <<EOF
usage: bench/cli/run.sh [--quick] [--sizes LIST] [--tools LIST] [--repeat R]
                        [--noop-n N] [--noop-runs R] [--budget S] [--markdown FILE] [--keep]
  --quick      --sizes 100,1000 --noop-n 1000 --noop-runs 5
  --sizes      migration counts to apply (default $SIZES)
  --tools      comma-separated subset of $ALL_TOOLS,psql-proc (default $ALL_TOOLS);
               add nonoop to skip the no-op phase, noop to run only it
  --repeat     runs per (tool, N), median reported (default $REPEAT)
  --noop-n     applied migrations for the no-op migrate/info runs (default $NOOP_N)
  --noop-runs  timed runs of each no-op call (default $NOOP_RUNS)
  --budget     seconds allowed per (tool, N) (default $BUDGET): the time at the
               previous N, scaled linearly, decides fewer runs or a skip
  --markdown   the markdown file to write (default bench/cli/results.md)
  --keep       keep the temp dir (cluster, generated files, logs)
Environment: PG_MIGRATE_BIN (default: pg_migrate on PATH), PG_BIN (default $PG_BIN).
EOF
}

parse_args() {
    while (($#)); do
        case $1 in
            --quick) SIZES=100,1000; NOOP_N=1000; NOOP_RUNS=5 ;;
            --sizes) SIZES=$2; shift ;;
            --tools) TOOLS=$2; shift ;;
            --repeat) REPEAT=$2; shift ;;
            --noop-n) NOOP_N=$2; shift ;;
            --noop-runs) NOOP_RUNS=$2; shift ;;
            --budget) BUDGET=$2; shift ;;
            --markdown) MARKDOWN=$2; shift ;;
            --keep) KEEP=1 ;;
            -h|--help) usage; exit 0 ;;
            *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        esac
        shift
    done
}

has_tool() { [[ ",$TOOLS," == *",$1,"* ]]; }
is_phase() { [[ $1 == noop || $1 == nonoop ]]; }
log() { echo "[cli-bench] $*" >&2; }

# The postgres OS user runs the server when we are root (initdb refuses root).
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# ------------------------------------------------------------------ tools ---
# STATUS[tool] is "ok" or why the tool is not measured; it is printed in the
# table instead of a time.
declare -A STATUS

find_pg_migrate() {
    local want=${PG_MIGRATE_BIN:-pg_migrate}
    if PGM=$(command -v -- "$want") && [[ -x $PGM && ! -d $PGM ]]; then
        PGM=$(realpath "$PGM"); STATUS[pg_migrate]=ok
        log "pg_migrate command: $PGM"
    else
        PGM=""; STATUS[pg_migrate]="not measured: no pg_migrate command (PG_MIGRATE_BIN=$want not found)"
        log "${STATUS[pg_migrate]} — its rows are skipped"
    fi
}

# The npm package's bin is a node script that spawns the Go binary; the
# binary is called directly so dbmate is not charged node's start-up.
dbmate_bin() {
    local arch
    case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
    echo "$BENCH_DIR/node_modules/@dbmate/linux-$arch/bin/dbmate"
}

find_dbmate() {
    DBMATE=$(dbmate_bin)
    if [[ ! -x $DBMATE ]]; then
        # npm install, not npm ci: npm 11's ci refuses this lock file, which
        # lists only the linux-x64 one of dbmate's optional platform packages.
        log "installing dbmate: npm install --prefix bench/ (version pinned by bench/package-lock.json)"
        if ! npm install --prefix "$BENCH_DIR" --no-audit --no-fund --loglevel=error >&2; then
            log "npm install failed"
        fi
    fi
    if [[ -x $DBMATE ]] && "$DBMATE" --version >/dev/null 2>&1; then
        STATUS[dbmate]=ok
    else
        STATUS[dbmate]="not measured: dbmate could not be installed (npm install --prefix bench/ failed, or gave no $(dbmate_bin | sed "s|^$BENCH_DIR/|bench/|"))"
        log "${STATUS[dbmate]} — its rows are skipped"
    fi
}

build_timeit() {
    TIMEIT=$WORK/timeit
    cc -O2 -Wall -Werror -o "$TIMEIT" "$CLI_DIR/timeit.c" ||
        { echo "cannot build bench/cli/timeit.c (a C compiler is needed)" >&2; exit 1; }
}

# ---------------------------------------------------------------- cluster ---
WORK=""
start_cluster() {
    WORK=$(mktemp -d /tmp/pg_migrate-cli-bench.XXXXXX)
    chmod 755 "$WORK"
    mkdir -p "$WORK/data" "$WORK/sock" "$WORK/mig" "$WORK/logs" "$WORK/out"
    [[ $(id -u) != 0 ]] || chown postgres: "$WORK/data" "$WORK/sock" "$WORK/logs"
    as_pg "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust >"$WORK/logs/initdb.log"
    # Durability at the defaults (fsync, synchronous_commit, full_page_writes):
    # a commit per migration is part of what is compared. psql -1 at
    # N = 10000 holds ~40000 relation locks in one transaction, more than the
    # default lock table: the same setting as bench/run.sh.
    cat >>"$WORK/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$WORK/sock'
port = $PORT
max_locks_per_transaction = 1024
EOF
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/logs/server.log" -w start >/dev/null
    export PGHOST=$WORK/sock PGPORT=$PORT PGUSER=postgres
}

cleanup() {
    [[ -n $WORK ]] || return 0
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
    if ((KEEP)); then log "kept $WORK"; else rm -rf "$WORK"; fi
}

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
psql_admin() { PGOPTIONS="-c client_min_messages=warning" "${PSQL[@]}" -At -d postgres "$@"; }
sql_value() { psql -X -At -d "$1" -c "$2" 2>/dev/null; }

# A fresh empty database per timed run; CHECKPOINT so that no run starts
# with another run's dirty buffers still to write.
fresh_db() { psql_admin -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" -c "CHECKPOINT" >&2; }
drop_db() { psql_admin -c "DROP DATABASE IF EXISTS $1" >&2; }

# ------------------------------------------------------------- generation ---
# The body of bench/run.sh, so that its figures and these compare. @N@ is the
# migration number (a template, not a function: no fork per file).
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

# Layout under $WORK/mig/N:
#   flyway/V<i>__create_t<i>.sql   pg_migrate, and the files psql reads
#   per_file.sql                   BEGIN; \i file; COMMIT; per file (psql-file)
#   all.sql                        \i file per file (psql -1)
#   dbmate/<0000i>_create_t<i>.sql the same SQL under -- migrate:up
generate() {
    local n=$1 d=$WORK/mig/$1 i f sql
    [[ -d $d ]] && return
    mkdir -p "$d/flyway" "$d/dbmate"
    for ((i = 1; i <= n; i++)); do
        sql=${MIGRATION_TEMPLATE//@N@/$i}
        f=$d/flyway/V${i}__create_t$i.sql
        printf '%s\n' "$sql" >"$f"
        printf 'BEGIN;\n\\i %s\nCOMMIT;\n' "$f" >>"$d/per_file.sql"
        printf '\\i %s\n' "$f" >>"$d/all.sql"
        # dbmate orders versions as strings: zero-padded. It wraps each file
        # in a transaction itself.
        printf -- '-- migrate:up\n%s\n\n-- migrate:down\nDROP TABLE t%d;\n' "$sql" "$i" \
            >"$d/dbmate/$(printf '%05d' "$i")_create_t$i.sql"
    done
}

# cmd_<tool> N DB sets CMD to the command to time.
cmd_psql-file() { CMD=("${PSQL[@]}" -d "$2" -f "$WORK/mig/$1/per_file.sql"); }
cmd_psql-1()    { CMD=("${PSQL[@]}" -1 -d "$2" -f "$WORK/mig/$1/all.sql"); }
cmd_psql-proc() {
    # shellcheck disable=SC2016
    CMD=(bash -c 'for ((i = 1; i <= $1; i++)); do
            psql -X -q -v ON_ERROR_STOP=1 -1 -d "$3" -f "$2/V${i}__create_t$i.sql" || exit
        done' psql-proc "$1" "$WORK/mig/$1/flyway" "$2")
}
pgm_url() { echo "postgresql:///$1?host=$PGHOST&port=$PORT&user=postgres"; }
cmd_pg_migrate() { CMD=("$PGM" "-url=$(pgm_url "$2")" "-locations=filesystem:$WORK/mig/$1/flyway" migrate); }
cmd_pg_migrate_info() { CMD=("$PGM" "-url=$(pgm_url "$2")" "-locations=filesystem:$WORK/mig/$1/flyway" info); }
# --no-dump-schema: otherwise dbmate runs pg_dump after migrating.
dbmate_args() {
    echo "--url=postgres://postgres@/$2?socket=$PGHOST&port=$PORT&sslmode=disable"
    echo "--migrations-dir=$WORK/mig/$1/dbmate"
    echo "--no-dump-schema"
}
cmd_dbmate() { mapfile -t CMD < <(dbmate_args "$@"); CMD=("$DBMATE" "${CMD[@]}" migrate); }
cmd_dbmate_status() { mapfile -t CMD < <(dbmate_args "$@"); CMD=("$DBMATE" "${CMD[@]}" status); }

# check_applied TOOL N DB: N tables t<i> of 10 rows, and N rows of the tool's
# history; otherwise the run does not count.
check_applied() {
    local tool=$1 n=$2 db=$3 got hist
    got=$(sql_value "$db" "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '^t[0-9]+\$'")
    [[ $got == "$n" ]] || { echo "expected $n tables, found ${got:-none}"; return 1; }
    [[ $(sql_value "$db" "SELECT count(*) FROM t$n") == 10 ]] || { echo "t$n does not hold 10 rows"; return 1; }
    case $tool in
        pg_migrate) hist=$(sql_value "$db" "SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL") ;;
        dbmate) hist=$(sql_value "$db" "SELECT count(*) FROM schema_migrations") ;;
        *) return 0 ;;
    esac
    [[ $hist == "$n" ]] || { echo "expected $n applied migrations in $tool's history, found ${hist:-no history table}"; return 1; }
}

# ----------------------------------------------------------------- timing ---
# timed LOG OUT: runs CMD under timeit, stdout to OUT, stderr to LOG; sets
# T_MS, T_CPU (s) and T_RSS (MB); returns the command's status.
timed() {
    local res=$WORK/timeit.result ns cpu rss rc=0
    : >"$res"
    if [[ $1 == "$2" ]]; then
        "$TIMEIT" "$res" "${CMD[@]}" >>"$1" 2>&1 </dev/null || rc=$?
    else
        "$TIMEIT" "$res" "${CMD[@]}" >"$2" 2>>"$1" </dev/null || rc=$?
    fi
    read -r ns cpu rss _ <"$res" || { echo "timeit recorded nothing" >>"$1"; return 1; }
    T_MS=$(awk -v v="$ns" 'BEGIN { printf "%.1f", v / 1e6 }')
    T_CPU=$(awk -v v="$cpu" 'BEGIN { printf "%.3f", v / 1e6 }')
    T_RSS=$(awk -v v="$rss" 'BEGIN { printf "%.1f", v / 1024 }')
    return "$rc"
}

median() { sort -g | awk 'NF { v[++n] = $1 } END { if (n == 0) exit 1;
    printf "%.3f\n", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'; }
max_of() { sort -g | tail -n 1; }
# A list kept as " v1 v2 ..." (how the results are accumulated), one per line.
lines_of() { tr ' ' '\n' <<<"$1" | grep . || true; }
spread() { tr ' ' '\n' | sort -g | awk 'NF { v[++n] = $1 } END { if (n) printf "%s–%s", v[1], v[n]; else printf "-" }'; }
ratio() {
    [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }' || echo "-"
}

declare -A RESULT TIMES CPUS RSSS RUNS LAST_N LAST_S KEPT_DB
FAILURES=()                    # why each FAIL, printed under the tables
failed() { log "$1"; FAILURES+=("$1"); }

# time_once TOOL N R: one timed apply to a fresh database; sets T_RESULT to
# the seconds or FAIL. The last good run at N = NOOP_N is kept for the no-op
# phase.
time_once() {
    local tool=$1 n=$2 r=$3 db=cb_${1//-/_}_${2}_$3 lg=$WORK/logs/$1-$2-$3.log
    fresh_db "$db"
    cmd_"$tool" "$n" "$db"
    local rc=0
    timed "$lg" "$lg" || rc=$?
    if ((rc)); then
        failed "$tool N=$n run $r: exit status $rc: $(tail -n 5 "$lg" | tr '\n' ' ')"
        drop_db "$db"; T_RESULT=FAIL; return
    fi
    if ! check_applied "$tool" "$n" "$db" >>"$lg" 2>&1; then
        failed "$tool N=$n run $r: wrong result: $(tail -n 1 "$lg")"; drop_db "$db"; T_RESULT=FAIL; return
    fi
    CPUS[$tool,$n]+=" $T_CPU"; RSSS[$tool,$n]+=" $T_RSS"
    if [[ $n == "$NOOP_N" && ($tool == pg_migrate || $tool == dbmate) ]]; then
        [[ -z ${KEPT_DB[$tool]:-} ]] || drop_db "${KEPT_DB[$tool]}"
        KEPT_DB[$tool]=$db
    else
        drop_db "$db"
    fi
    T_RESULT=$(awk -v v="$T_MS" 'BEGIN { printf "%.3f", v / 1000 }')
}

# plan_runs TOOL N: how many runs fit in BUDGET, from the tool's median at
# the previous N scaled linearly (psql-proc at N = 10000 needs it); 0 = skip.
plan_runs() {
    local prev_n=${LAST_N[$1]:-} prev_s=${LAST_S[$1]:-}
    [[ -n $prev_n && $prev_s =~ ^[0-9.]+$ ]] || { echo "$REPEAT"; return; }
    awk -v s="$prev_s" -v pn="$prev_n" -v n="$2" -v r="$REPEAT" -v b="$BUDGET" \
        'BEGIN { est = s * n / pn; k = int(b / est); print (k > r) ? r : k }'
}

# measure_size N: REPEAT rounds, each running every tool once, so drift in
# the machine's load is spread over all tools instead of charged to one.
# Each round starts one tool later: a run that leaves the cluster slow for
# the next one (psql -1's single transaction of N tables, and dropping its
# database) does not always slow the same tool.
measure_size() {
    local n=$1 r tool tools=()
    for tool in ${TOOLS//,/ }; do
        is_phase "$tool" && continue
        declare -F "cmd_$tool" >/dev/null || { echo "unknown tool: $tool" >&2; exit 2; }
        if [[ ${STATUS[$tool]:-ok} != ok ]]; then RESULT[$tool,$n]="not measured"; continue; fi
        RUNS[$tool,$n]=$(plan_runs "$tool" "$n")
        if ((RUNS[$tool,$n] == 0)); then
            log "$tool N=$n: one run would exceed --budget $BUDGET s — skipped"
            RESULT[$tool,$n]="skipped (over --budget)"; continue
        fi
        tools+=("$tool")
    done
    local i count=${#tools[@]}
    for ((r = 1; r <= REPEAT; r++)); do
        for ((i = 0; i < count; i++)); do
            tool=${tools[(i + r - 1) % count]}
            ((r <= RUNS[$tool,$n])) || continue
            [[ ${RESULT[$tool,$n]:-} != FAIL ]] || continue
            time_once "$tool" "$n" "$r"
            if [[ $T_RESULT == FAIL ]]; then RESULT[$tool,$n]=FAIL; continue; fi
            TIMES[$tool,$n]+=" $T_RESULT"
            log "$tool N=$n run $r: $T_RESULT s"
        done
    done
    for tool in "${tools[@]}"; do
        [[ ${RESULT[$tool,$n]:-} == FAIL ]] && continue
        RESULT[$tool,$n]=$(lines_of "${TIMES[$tool,$n]}" | median)
        LAST_N[$tool]=$n LAST_S[$tool]=${RESULT[$tool,$n]}
    done
}

# ----------------------------------------------------------------- no-op ----
# NOOP[call] is the median in ms or why there is none; NOOP_*[call] the rest.
declare -A NOOP NOOP_TIMES NOOP_RSS NOOP_CPU NOOP_SETUP_FAILED

# noop_db TOOL: KEPT_DB[TOOL] holds NOOP_N migrations applied by TOOL (the
# last timed run at that N, or an untimed apply now).
noop_db() {
    local tool=$1 db lg=$WORK/logs/noop-$1-setup.log
    [[ -z ${KEPT_DB[$tool]:-} ]] || return 0
    [[ -z ${NOOP_SETUP_FAILED[$tool]:-} ]] || return 1
    NOOP_SETUP_FAILED[$tool]=1
    db=cb_noop_${tool}
    generate "$NOOP_N"
    fresh_db "$db"
    log "no-op: applying $NOOP_N migrations with $tool (untimed)"
    cmd_"$tool" "$NOOP_N" "$db"
    local rc=0
    timed "$lg" "$lg" || rc=$?
    if ((rc)) || ! check_applied "$tool" "$NOOP_N" "$db" >>"$lg" 2>&1; then
        failed "no-op: $tool could not apply $NOOP_N migrations (exit status $rc): $(tail -n 3 "$lg" | tr '\n' ' ')"
        return 1
    fi
    KEPT_DB[$tool]=$db NOOP_SETUP_FAILED[$tool]=""
}

# noop_once CALL TOOL DB: one run of CALL; migrate must leave the history as
# it was, info/status must list every migration (a line each at least). On
# failure prints why.
noop_once() {
    local call=$1 tool=$2 db=$3 lg=$WORK/logs/noop-$1.log out=$WORK/out/$1.out lines
    local rc=0
    "cmd_$call" "$NOOP_N" "$db"
    timed "$lg" "$out" || rc=$?
    if ((rc)); then echo "exit status $rc: $(tail -n 3 "$lg" | tr '\n' ' ')"; return 1; fi
    case $call in
        *_info | *_status)
            lines=$(wc -l <"$out")
            ((lines >= NOOP_N)) || { echo "it printed $lines lines for $NOOP_N migrations"; return 1; } ;;
        *)
            check_applied "$tool" "$NOOP_N" "$db" || return 1 ;;
    esac
}

noop_phase() {
    local tool call r pairs=() ok_calls=() why=$WORK/out/why
    has_tool pg_migrate && pairs+=("pg_migrate:pg_migrate" "pg_migrate_info:pg_migrate")
    has_tool dbmate && pairs+=("dbmate:dbmate" "dbmate_status:dbmate")
    for call in "${pairs[@]}"; do
        tool=${call#*:} call=${call%%:*}
        if [[ ${STATUS[$tool]} != ok ]]; then NOOP[$call]="not measured"; continue; fi
        if ! noop_db "$tool"; then NOOP[$call]=FAIL; continue; fi
        # One untimed warm-up: shared buffers and the page cache then hold the
        # history and the files, as in a deploy that follows a deploy.
        if ! noop_once "$call" "$tool" "${KEPT_DB[$tool]}" >"$why" 2>&1; then
            NOOP[$call]=FAIL; failed "no-op $call (warm-up): $(cat "$why")"; continue
        fi
        ok_calls+=("$call:$tool")
    done
    for ((r = 1; r <= NOOP_RUNS; r++)); do
        for call in "${ok_calls[@]}"; do
            tool=${call#*:} call=${call%%:*}
            [[ ${NOOP[$call]:-} != FAIL* ]] || continue
            if ! noop_once "$call" "$tool" "${KEPT_DB[$tool]}" >"$why" 2>&1; then
                NOOP[$call]=FAIL; failed "no-op $call run $r: $(cat "$why")"; continue
            fi
            NOOP_TIMES[$call]+=" $T_MS"; NOOP_CPU[$call]+=" $T_CPU"; NOOP_RSS[$call]+=" $T_RSS"
            log "no-op $call run $r: $T_MS ms"
        done
    done
    for call in "${ok_calls[@]}"; do
        call=${call%%:*}
        [[ ${NOOP[$call]:-} == FAIL* ]] || NOOP[$call]=$(lines_of "${NOOP_TIMES[$call]}" | median | awk '{ printf "%.1f", $1 }')
    done
}

# ---------------------------------------------------------------- report ----
declare -A LABEL=(
    [psql-file]="psql, a transaction per file (one session)"
    [psql-1]="psql -1 (one transaction)"
    [psql-proc]="psql -1 -f, a process per file"
    [pg_migrate]="\`pg_migrate migrate\`"
    [dbmate]="\`dbmate migrate\`"
    [pg_migrate_noop]="\`pg_migrate migrate\`, nothing pending"
    [pg_migrate_info]="\`pg_migrate info\`"
    [dbmate_noop]="\`dbmate migrate\`, nothing pending"
    [dbmate_status]="\`dbmate status\`"
)

machine_info() {
    local fs dbmate_v pgm_v
    fs=$(df -T "$WORK" | awk 'NR == 2 { print $2 }')
    dbmate_v=absent; [[ ${STATUS[dbmate]:-} != ok ]] || dbmate_v=$("$DBMATE" --version | awk '{ print $NF }')
    pgm_v="absent (PG_MIGRATE_BIN=${PG_MIGRATE_BIN:-pg_migrate})"
    [[ -z $PGM ]] || pgm_v="$PGM (sha256 $(sha256sum "$PGM" | cut -c1-12)…, modified $(date -u -r "$PGM" '+%Y-%m-%d %H:%M UTC'))"
    echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
        "$(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME");" \
        "load average at the start: $LOAD_AT_START"
    echo "- PostgreSQL $(psql_admin -c 'SHOW server_version'): fresh initdb in a $fs temp dir, unix socket only;" \
        "fsync=$(psql_admin -c 'SHOW fsync'), synchronous_commit=$(psql_admin -c 'SHOW synchronous_commit')," \
        "wal_sync_method=$(psql_admin -c 'SHOW wal_sync_method'), shared_buffers=$(psql_admin -c 'SHOW shared_buffers')," \
        "max_locks_per_transaction=$(psql_admin -c 'SHOW max_locks_per_transaction') (the rest default; one cluster for all tools)"
    echo "- Tools: $(psql --version); dbmate $dbmate_v (Go binary of the npm package, --no-dump-schema); pg_migrate: $pgm_v"
    echo "- Time: process start to exit (CLOCK_MONOTONIC around fork/wait4, bench/cli/timeit.c), median of $REPEAT runs," \
        "tools interleaved, a fresh empty database per run; client CPU is user+system of the client process(es), median;" \
        "peak RSS the largest of the runs"
}

apply_table() {
    local n tool s per one range cpu rss runs
    echo "| N | tool | median s | vs psql per file | vs psql -1 | min–max s | client CPU s | client peak RSS MB |"
    echo "|---:|---|---:|---:|---:|---|---:|---:|"
    for n in ${SIZES//,/ }; do
        for tool in ${TOOLS//,/ }; do
            is_phase "$tool" && continue
            s=${RESULT[$tool,$n]:-"-"}
            per=$(ratio "$s" "${RESULT[psql-file,$n]:-}")
            one=$(ratio "$s" "${RESULT[psql-1,$n]:-}")
            range=$(spread <<<"${TIMES[$tool,$n]:-}")
            cpu=$(lines_of "${CPUS[$tool,$n]:-}" | median) || cpu=-
            rss=$(lines_of "${RSSS[$tool,$n]:-}" | max_of); rss=${rss:--}
            runs=${RUNS[$tool,$n]:-$REPEAT}
            [[ $s =~ ^[0-9.]+$ ]] && ((runs != REPEAT)) && s="$s ($runs runs)"
            echo "| $n | ${LABEL[$tool]} | $s | $per | $one | $range | $cpu | $rss |"
        done
    done
}


noop_table() {
    local call other cpu rss
    echo "| call, $NOOP_N applied | median ms | vs dbmate | min–max ms | client CPU s | client peak RSS MB |"
    echo "|---|---:|---:|---|---:|---:|"
    for call in pg_migrate pg_migrate_info dbmate dbmate_status; do
        [[ -n ${NOOP[$call]:-} ]] || continue
        case $call in pg_migrate | dbmate) other=dbmate ;; *) other=dbmate_status ;; esac
        cpu=$(lines_of "${NOOP_CPU[$call]:-}" | median) || cpu=-
        rss=$(lines_of "${NOOP_RSS[$call]:-}" | max_of); rss=${rss:--}
        echo "| ${LABEL[${call}_noop]:-${LABEL[$call]}} | ${NOOP[$call]} | $(ratio "${NOOP[$call]}" "${NOOP[$other]:-}") |" \
            "$(spread <<<"${NOOP_TIMES[$call]:-}") | $cpu | $rss |"
    done
}

report() {
    echo "### Results ($(date -u +%Y-%m-%d))"
    echo
    echo "Command: \`$CMDLINE\`"
    echo
    machine_info
    echo
    echo "Applying N migrations to an empty database:"
    echo
    apply_table
    if [[ ${#NOOP[@]} -gt 0 ]]; then
        echo
        echo "Nothing to apply, $NOOP_N migrations applied (median of $NOOP_RUNS runs after one untimed warm-up; info/status output to a file):"
        echo
        noop_table
    fi
    local tool f notes=()
    for tool in pg_migrate dbmate; do
        [[ ${STATUS[$tool]:-ok} == ok ]] || notes+=("$tool: ${STATUS[$tool]}")
    done
    for f in "${FAILURES[@]}"; do notes+=("FAIL: $f"); done
    if ((${#notes[@]})); then
        echo
        printf -- '- %s\n' "${notes[@]}"
    fi
}

# ------------------------------------------------------------------ main ----
main() {
    CMDLINE="bench/cli/run.sh${*:+ $*}${PG_MIGRATE_BIN:+ (PG_MIGRATE_BIN=$PG_MIGRATE_BIN)}"
    LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
    parse_args "$@"
    local n tool apply_tools=0
    for tool in ${TOOLS//,/ }; do is_phase "$tool" || apply_tools=1; done
    if has_tool noop; then apply_tools=0; TOOLS+=",pg_migrate,dbmate"; fi
    trap cleanup EXIT
    start_cluster
    build_timeit
    PGM=""
    if has_tool pg_migrate; then find_pg_migrate; fi
    if has_tool dbmate; then find_dbmate; fi
    for n in ${SIZES//,/ }; do
        ((apply_tools)) || break
        log "generating $n migrations"
        generate "$n"
        measure_size "$n"
    done
    if ! has_tool nonoop; then
        log "no-op phase over $NOOP_N applied migrations"
        noop_phase
    fi
    mkdir -p "$(dirname "$MARKDOWN")"
    report | tee "$MARKDOWN"
    log "markdown written to $MARKDOWN"
}

main "$@"
