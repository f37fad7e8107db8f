#!/usr/bin/env bash
# test/image/run.sh
#   The pg_migrate command's container image (client/Dockerfile), built and
#   run with buildah, without a container engine or registry access, as
#   lambda/test/image.py does for the Lambda image.
#   Last line: "image: N passed, N failed".
#
#   bash test/image/run.sh        as root, on Debian 12 with
#                                 test/image/DEPENDENCIES installed
#
# Docker Hub is out of reach, so the Dockerfile's BASE_IMAGE is a local
# stand-in for debian:bookworm-slim: a minbase Debian 12 made by mmdebstrap
# from the same archive this machine installs from (the official image is
# built the same way, by debuerreotype).  Both stages of the Dockerfile
# install their packages from that archive, as they would from Docker Hub's
# image.  The build runs with chroot isolation on the host network, and so
# does the image: it reaches a throwaway cluster on the loopback interface.
# What this cannot check: the real debian:bookworm-slim itself.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
standin=localhost/pg-migrate-test-bookworm-standin
image=localhost/pg-migrate-image-test
export image	# for the functions the checks run in "bash -c"
work=$(mktemp -d /tmp/pg_migrate_image.XXXXXX)
chmod 755 "$work"
passed=0
failed=0
containers=()

# check NAME COMMAND...: one counted check
check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "FAILED: $name"
		failed=$((failed + 1))
	fi
}

finish() {
	local c
	for c in "${containers[@]}"; do buildah rm "$c" >/dev/null 2>&1; done
	buildah rmi -f "$image" "$standin" >/dev/null 2>&1
	echo "image: $passed passed, $failed failed"
	rm -rf "$work"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test/image/run.sh builds images with buildah and mmdebstrap: run it as root"
	failed=1
	finish
fi
for tool in buildah mmdebstrap pg_virtualenv; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is missing (test/image/DEPENDENCIES)"
		failed=1
		finish
	fi
done

# --- the stand-in for debian:bookworm-slim --------------------------------------
standin() {
	local ctr root
	ctr=$(buildah from scratch) || return 1
	containers+=("$ctr")
	root=$(buildah mount "$ctr") || return 1
	mmdebstrap --variant=minbase --mode=root bookworm "$root" >"$work/mmdebstrap.log" 2>&1 ||
		{ tail -n 40 "$work/mmdebstrap.log"; return 1; }
	buildah umount "$ctr" >/dev/null &&
		buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			--cmd '["bash"]' "$ctr" &&
		buildah commit --quiet "$ctr" "$standin" >/dev/null
}
check "stand-in base: Debian 12 minbase made by mmdebstrap" standin
[ "$failed" -eq 0 ] || finish

# --- docker build, as buildah does it ------------------------------------------
build() {
	buildah bud --layers=false --build-arg "BASE_IMAGE=$standin" -t "$image" \
		-f "$top/client/Dockerfile" "$top" >"$work/build.log" 2>&1 ||
		{ tail -n 30 "$work/build.log"; return 1; }
	grep -E '^pg_migrate [0-9]' "$work/build.log"
}
check "client/Dockerfile builds the command from this tree (multi-stage, on the stand-in)" build
[ "$failed" -eq 0 ] || finish

# the image's OCI config (User, Entrypoint, Cmd, WorkingDir, Env)
buildah inspect --type image "$image" |
	python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["OCIv1"]["config"]))' >"$work/config.json"
cat "$work/config.json"
echo
# field NAME: the image config's field as compact JSON
field() {
	python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])).get(sys.argv[2]), separators=(",", ":")))' \
		"$work/config.json" "$1"
}
check "USER is a numeric uid that is not root (10001:10001)" \
	bash -c '[ "$1" = "\"10001:10001\"" ]' _ "$(field User)"
check "ENTRYPOINT is the command, WORKDIR /pg_migrate" \
	bash -c '[ "$1" = "[\"pg_migrate\"]" ] && [ "$2" = "\"/pg_migrate\"" ]' _ "$(field Entrypoint)" "$(field WorkingDir)"

# run_image [buildah run options...] -- ARGS...: the image as "docker run
# IMAGE ARGS..." starts it: ENTRYPOINT + ARGS, as USER, in WORKDIR
run_image() {
	local opts=() ctr rc
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	ctr=$(buildah from "$image") || return 1
	buildah run --network host "${opts[@]}" "$ctr" -- pg_migrate "$@"
	rc=$?
	buildah rm "$ctr" >/dev/null
	return $rc
}
# run_in_image CMD...: another command in the image, as its USER
run_in_image() {
	local ctr rc
	ctr=$(buildah from "$image") || return 1
	buildah run "$ctr" -- "$@"
	rc=$?
	buildah rm "$ctr" >/dev/null
	return $rc
}

check "the command runs in the image: pg_migrate --version" \
	bash -c "$(declare -f run_image); "'v=$(run_image -- --version) && echo "$v" && [ "$v" = "pg_migrate $1" ]' \
	_ "$(sed -n 's/^DISTVERSION = //p' "$top/Makefile")"
# "docker run IMAGE" with no arguments: ENTRYPOINT + CMD
run_default() {
	local ctr rc argv
	mapfile -t argv < <(python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print("\n".join((c.get("Entrypoint") or []) + (c.get("Cmd") or [])))' \
		"$work/config.json")
	ctr=$(buildah from "$image") || return 1
	buildah run --network host "$ctr" -- "${argv[@]}" >"$work/default.out" 2>&1
	rc=$?
	buildah rm "$ctr" >/dev/null
	head -n 3 "$work/default.out"
	[ "$rc" -eq 0 ] && grep -q '^  pg_migrate \[options\] <command>' "$work/default.out"
}
check "the image run without arguments prints the command's usage (CMD --help)" run_default
check "the image's processes run as uid 10001, not root, in /pg_migrate" \
	bash -c "$(declare -f run_in_image); "'out=$(run_in_image sh -c "id -u; id -g; pwd") && echo $out &&
		[ "$(echo $out)" = "10001 10001 /pg_migrate" ]'
check "the runtime stage has no compiler, no -dev package and no PostgreSQL server" \
	bash -c "$(declare -f run_in_image); "'out=$(run_in_image sh -c "command -v cc gcc make; dpkg-query -W -f=\"\${Package}\n\" | grep -E \"(-dev|^postgresql-[0-9]+)\$\"; echo listed")
		[ "$out" = listed ] || { echo "$out"; exit 1; }'
check "the shared libraries of /usr/local/bin/pg_migrate are all found" \
	bash -c "$(declare -f run_in_image); "'out=$(run_in_image sh -c "ldd /usr/local/bin/pg_migrate") && ! grep "not found" <<<"$out"'

# --- migrate and info against a loopback cluster --------------------------------
sql="$work/sql"
mkdir -p "$sql"
cat >"$sql/V1__cities.sql" <<'SQL'
CREATE TABLE cities (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO cities VALUES (1, 'Lisbon'), (2, 'Oslo');
SQL
cat >"$sql/V2__population.sql" <<'SQL'
ALTER TABLE cities ADD COLUMN population int;
UPDATE cities SET population = 545000 WHERE name = 'Lisbon';
SQL
cat >"$sql/R__city_names.sql" <<'SQL'
CREATE OR REPLACE VIEW city_names AS SELECT name FROM cities;
SQL
chmod -R a+rX "$sql"

# Runs inside pg_virtualenv (PGHOST=localhost, PGPORT, PGUSER=postgres and
# PGPASSWORD set): the image migrates database app as role app, the scripts
# mounted at /pg_migrate/sql and no -locations given, as in docs/cli.md.
cat >"$work/migrate.sh" <<'SCRIPT'
set -u
psql -Xq -c "CREATE ROLE app LOGIN PASSWORD 'app-secret'" -c "CREATE DATABASE app OWNER app" || exit 1
url="jdbc:postgresql://localhost:$PGPORT/app"
echo "== migrate"
run_image -v "$sql:/pg_migrate/sql:ro" -- -url="$url" -user=app -password=app-secret migrate || exit 1
echo "== info"
run_image -v "$sql:/pg_migrate/sql:ro" -- -url="$url" -user=app -password=app-secret info || exit 1
echo "== flyway.conf"
# a flyway.conf mounted in the working directory is read as ./flyway.conf
cat >"$conf" <<CONF
flyway.url=$url
flyway.user=app
flyway.password=app-secret
CONF
chmod 644 "$conf"
run_image -v "$sql:/pg_migrate/sql:ro" -v "$conf:/pg_migrate/flyway.conf:ro" -- validate || exit 1
echo "== flyway.toml"
# a Flyway 10 flyway.toml, its environment chosen by -environment (toml++ in the image)
cat >"$toml" <<TOML
[environments.ci]
url = "$url"
user = "app"
password = "app-secret"
TOML
chmod 644 "$toml"
run_image -v "$sql:/pg_migrate/sql:ro" -v "$toml:/pg_migrate/flyway.toml:ro" -- -environment=ci validate || exit 1
echo "== database"
echo "history: $(PGDATABASE=app psql -XAtc "SELECT string_agg(coalesce(version, 'R') || ':' || success || ':' || installed_by, ',' ORDER BY installed_rank) FROM flyway_schema_history")"
echo "population: $(PGDATABASE=app psql -XAtc "SELECT population FROM cities WHERE name = 'Lisbon'")"
SCRIPT
conf="$work/flyway.conf"
toml="$work/flyway.toml"
export sql conf toml
# a port of its own: other throwaway clusters may be starting on this machine
pg_virtualenv -t -c "-p $((54000 + RANDOM % 900))" bash -c "$(declare -f run_image); source $work/migrate.sh" >"$work/migrate.log" 2>&1
rc=$?
cat "$work/migrate.log"
check "docker run ... pg_migrate migrate applies the scripts mounted at /pg_migrate/sql" \
	bash -c '[ "$1" -eq 0 ] && grep -q "^Successfully applied 3 migrations" "$2"' _ "$rc" "$work/migrate.log"
check "the history holds V1, V2 and the repeatable, successful, installed by app; the data is there" \
	bash -c 'grep -qx "history: 1:true:app,2:true:app,R:true:app" "$1" && grep -qx "population: 545000" "$1"' _ "$work/migrate.log"
check "pg_migrate info (from the image) shows the three migrations as Success" \
	bash -c '[ "$(sed -n "/^== info/,/^== flyway.conf/p" "$1" | grep -cE "^\|.*\| Success +\|")" -eq 3 ]' _ "$work/migrate.log"
check "a flyway.conf mounted at /pg_migrate/flyway.conf is read: validate with no option validates the 3 migrations" \
	bash -c 'sed -n "/^== flyway.conf/,/^== flyway.toml/p" "$1" | grep -q "^Successfully validated 3 migrations"' _ "$work/migrate.log"
check "a flyway.toml mounted at /pg_migrate/flyway.toml is read: validate -environment=ci validates the 3 migrations" \
	bash -c 'sed -n "/^== flyway.toml/,/^== database/p" "$1" | grep -q "^Successfully validated 3 migrations"' _ "$work/migrate.log"
finish
