#!/usr/bin/env bash
# One command: build, install, and apply the example migrations to a
# throwaway cluster, showing migrate_info() before and after; then the same
# scripts through the pg_migrate command into a database without the
# extension, as a role that is not a superuser (as on RDS).
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

# The same scripts through the pg_migrate command, into a database where the
# extension is not installed, as a role that is not a superuser: what a
# deploy to Amazon RDS or Aurora looks like.  Same engine, same history.
psql_demo -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE deployer LOGIN;
CREATE DATABASE app_rds OWNER deployer;
SQL
psql_demo -d app_rds -c "ALTER SCHEMA public OWNER TO deployer"
pg_migrate_demo() {
	"$(pg_config --bindir)/pg_migrate" -url="host=$work/cluster port=$port dbname=app_rds user=deployer" \
		-locations="filesystem:$work/migrations" -placeholders.company="Example Ltd" "$@"
}
echo '== pg_migrate migrate (no extension in app_rds, role deployer is not a superuser)'
pg_migrate_demo migrate
echo '== pg_migrate info'
pg_migrate_demo info
echo '== the two history tables hold the same rows'
diff <(psql_demo -d app -At -c "SELECT version, description, type, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank") \
	<(psql_demo -d app_rds -At -c "SELECT version, description, type, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank") &&
	echo "identical"
