#!/usr/bin/env bash
# One command: build, install, and apply the example migrations to a
# throwaway cluster, showing migrate_info() before and after.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh --demo
make -s EXTRA_CFLAGS=-Werror >/dev/null
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo make -s install >/dev/null

work=$(mktemp -d /tmp/pg_migrate_demo.XXXXXX)
chmod 755 "$work"
trap 'scripts/cluster.sh stop "$work/cluster"; rm -rf "$work"' EXIT
cp -R examples/migrations "$work/migrations"
chmod -R a+rX "$work/migrations"
port=54${RANDOM:0:2}
scripts/cluster.sh start "$work/cluster" "$port"

psql_demo() {
	psql -X -q -h "$work/cluster" -p "$port" -U postgres "$@"
}
psql_demo -c "CREATE DATABASE app"
psql_demo -d app -v ON_ERROR_STOP=1 <<SQL
\echo '== CREATE EXTENSION pg_migrate'
CREATE EXTENSION pg_migrate;
ALTER DATABASE app SET pg_migrate.locations = 'filesystem:$work/migrations';
ALTER DATABASE app SET pg_migrate.placeholders = '{"company": "Example Ltd"}';
\c app
\echo '== migrate_info() before'
SELECT category, version, description, type, script, state FROM migrate_info();
\echo '== migrate_apply()'
SELECT version, description, script, checksum, state FROM migrate_apply();
\echo '== migrate_info() after'
SELECT category, version, description, script, installed_by, state FROM migrate_info();
\echo '== migrate_apply() again: nothing is pending'
SELECT count(*) AS applied FROM migrate_apply();
\echo '== the history table, in Flyway''s format'
SELECT installed_rank, version, description, type, script, checksum, success FROM flyway_schema_history;
SQL
