#!/usr/bin/env bash
# test/packages/run.sh
#   The Debian packages, as a user gets them: builds postgresql-15-pg-migrate
#   (the extension) and pg-migrate (the pg_migrate command) from a copy of the
#   tree with "dpkg-buildpackage -us -uc -b" (which also runs the regression
#   and isolation suites against the files in debian/), checks them with
#   lintian (an error fails), then lets autopkgtest install both .deb files
#   with apt and run debian/tests/ against the installed extension, as
#   Debian's CI does.  Then it purges the extension package and runs the
#   installed command against a throwaway cluster that has no pg_migrate
#   extension at all, and purges pg-migrate.
#   Last line: "packages: N passed, N failed".
#
#   bash test/packages/run.sh        as root, on Debian 12 with
#                                    test/packages/DEPENDENCIES installed
#
# Installing the package replaces the files that "make install" put in
# PostgreSQL's folders, and purging it removes them.  So test/run_all.sh runs
# this suite last, and if pg_migrate was installed from source before, this
# script installs it from source again after the purge.  The command's
# package installs /usr/bin/pg_migrate, which "make install" never writes
# (it writes `pg_config --bindir`).  A machine where either package is
# installed already is left alone (the suite fails and says so).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pkg=postgresql-15-pg-migrate
cmd_pkg=pg-migrate
work=$(mktemp -d /tmp/pg_migrate_packages.XXXXXX)
chmod 755 "$work"	# the test clusters' server reads debian/postgresql-15-pg-migrate/
passed=0
failed=0

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

installed_here=0
finish() {
	# a failed step leaves nothing of this run installed
	if [ "$installed_here" -eq 1 ]; then
		dpkg --purge "$cmd_pkg" "$pkg" >/dev/null 2>&1
	fi
	echo "packages: $passed passed, $failed failed"
	rm -rf "$work"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test/packages/run.sh installs a package: run it as root"
	failed=1
	finish
fi
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
for p in "$pkg" "$cmd_pkg"; do
	if installed "$p"; then
		echo "$p is installed already; this suite installs and purges it: purge it first"
		failed=1
		finish
	fi
done

# pg_migrate installed by "make install" (files no package owns)?
so="$(pg_config --pkglibdir)/pg_migrate.so"
from_source=0
if [ -e "$so" ] && ! dpkg -S "$so" >/dev/null 2>&1; then
	from_source=1
fi

# --- build, from a copy so the checkout stays as it is ---------------------
src="$work/src"
mkdir -p "$src"
(cd "$top" && tar --exclude=.git --exclude=lambda/build --exclude=node_modules \
	--exclude=results --exclude=output_iso --exclude=tmp_check -cf - .) | tar -xf - -C "$src"
build() {
	(cd "$src" && make -s clean >/dev/null 2>&1; dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
		{ tail -n 80 "$work/build.log"; return 1; }
}
check "dpkg-buildpackage -us -uc -b builds $pkg and $cmd_pkg, the regression tests passing at build time" build
deb=$(ls "$work"/${pkg}_*_*.deb 2>/dev/null | head -n 1)
cmd_deb=$(ls "$work"/${cmd_pkg}_*_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$work"/*.changes 2>/dev/null | head -n 1)
if [ -z "$deb" ] || [ -z "$cmd_deb" ] || [ -z "$changes" ]; then
	echo "no $pkg or $cmd_pkg .deb, or no .changes, was built"
	failed=$((failed + 1))
	finish
fi
grep -E '^(test| ) *[^ ]+ +\.\.\. (ok|FAILED)' "$work/build.log"

# --- lintian: errors fail, the rest is shown ----------------------------------
run_lintian() {
	lintian --fail-on error --display-info "$changes" >"$work/lintian.log" 2>&1
	local rc=$?
	cat "$work/lintian.log"
	echo "lintian: $(grep -c '^E: ' "$work/lintian.log") errors, $(grep -c '^W: ' "$work/lintian.log") warnings," \
		"$(grep -c '^I: ' "$work/lintian.log") info"
	return $rc
}
check "lintian reports no errors" run_lintian

# --- what the packages declare and hold ----------------------------------------
# names FIELD-VALUE PACKAGE...: each package is in the comma-separated list
names() {
	local list=$1 p
	shift
	for p in "$@"; do
		grep -qE "(^|, )$p( |,|\$)" <<<"$list" || { echo "not named: $p"; return 1; }
	done
}
# names_none FIELD-VALUE PACKAGE...: none of them is in the list
names_none() {
	local list=$1 p
	shift
	for p in "$@"; do
		! grep -qE "(^|, )$p( |,|\$)" <<<"$list" || { echo "named: $p"; return 1; }
	done
}
# holds CONTENTS PATH...: each path is in the listing of "dpkg-deb -c"
holds() {
	local list=$1 f
	shift
	for f in "$@"; do
		grep -q " \./$f\$" <<<"$list" || { echo "missing: $f"; return 1; }
	done
}
# holds_none CONTENTS PATTERN...: no path matches
holds_none() {
	local list=$1 f
	shift
	for f in "$@"; do
		! grep -E " \./$f\$" <<<"$list" || return 1
	done
}

depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
echo "$pkg Depends: $depends"
echo "$pkg Recommends: $recommends"
check "$pkg Depends names postgresql-15, libcjson1 and zlib1g" names "$depends" postgresql-15 libcjson1 zlib1g
check "$pkg Depends names no libpq5 (the command, which needs it, is in $cmd_pkg)" names_none "$depends" libpq5
# curl_api.c opens libcurl.so.4 with dlopen(), so no shlibs dependency names it
check "$pkg Recommends names libcurl4 (opened with dlopen for remote locations)" names "$recommends" libcurl4
contents=$(dpkg-deb -c "$deb")
check "$pkg holds the library, the control file, the SQL scripts (1.2, 1.1, 1.0 and the updates) and the copyright" \
	holds "$contents" usr/lib/postgresql/15/lib/pg_migrate.so usr/share/postgresql/15/extension/pg_migrate.control \
	usr/share/postgresql/15/extension/pg_migrate--1.2.sql usr/share/postgresql/15/extension/pg_migrate--1.1.sql \
	usr/share/postgresql/15/extension/pg_migrate--1.0.sql usr/share/postgresql/15/extension/pg_migrate--1.0--1.1.sql \
	usr/share/postgresql/15/extension/pg_migrate--1.1--1.2.sql usr/share/doc/$pkg/copyright
check "$pkg holds no pg_migrate command and no manual page" \
	holds_none "$contents" '.*/bin/pg_migrate' '.*/man1/pg_migrate\.1.*'
check "$pkg's copyright file names the PostgreSQL License" \
	bash -c 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./usr/share/doc/'"$pkg"'/copyright | grep -q "^License: PostgreSQL$"' _ "$deb"

cmd_depends=$(dpkg-deb -f "$cmd_deb" Depends)
cmd_recommends=$(dpkg-deb -f "$cmd_deb" Recommends)
echo "$cmd_pkg Depends: $cmd_depends"
echo "$cmd_pkg Recommends: $cmd_recommends"
# what the binary links (NEEDED), each from its package's shlibs
check "$cmd_pkg Depends names libpq5, libcjson1, libssl3 (libcrypto), zlib1g, libtomlplusplus3 and libstdc++6" \
	names "$cmd_depends" libpq5 libcjson1 libssl3 zlib1g libtomlplusplus3 'libstdc\+\+6'
check "$cmd_pkg Depends names no PostgreSQL server and no extension package" \
	names_none "$cmd_depends" 'postgresql-[0-9]+' "$pkg" 'postgresql-[0-9]+-pg-migrate'
check "$cmd_pkg Recommends names libcurl4 (opened with dlopen for remote locations)" \
	names "$cmd_recommends" libcurl4
cmd_contents=$(dpkg-deb -c "$cmd_deb")
check "$cmd_pkg holds /usr/bin/pg_migrate, its manual page and the copyright" \
	holds "$cmd_contents" usr/bin/pg_migrate usr/share/man/man1/pg_migrate.1.gz usr/share/doc/$cmd_pkg/copyright
check "$cmd_pkg holds nothing of the extension" \
	holds_none "$cmd_contents" '.*pg_migrate\.so' '.*/extension/.*'
# libpg_query is linked in (client/Makefile: one localized object), so no
# runtime package of it is needed
needed() {
	dpkg-deb -x "$cmd_deb" "$work/cmd_root" &&
		objdump -p "$work/cmd_root/usr/bin/pg_migrate" | awk '$1 == "NEEDED" { print $2 }' >"$work/needed" &&
		cat "$work/needed" | tr '\n' ' ' && echo &&
		! grep -q pg_query "$work/needed"
}
check "/usr/bin/pg_migrate needs no shared libpg_query" needed

# --- installed: autopkgtest installs both with apt and runs debian/tests/ -----
# (the null runner tests this machine; it leaves the packages installed)
installed_here=1
autopkgtest --output-dir "$work/autopkgtest" "$deb" "$cmd_deb" "$src/" -- null >"$work/autopkgtest.log" 2>&1
apt_rc=$?
cat "$work/autopkgtest/summary" 2>/dev/null
[ "$apt_rc" -eq 0 ] || tail -n 60 "$work/autopkgtest.log"
check "autopkgtest installed $pkg" installed "$pkg"
check "autopkgtest installed $cmd_pkg" installed "$cmd_pkg"
check "autopkgtest: debian/tests/installcheck passes against the installed package" \
	bash -c '[ "$1" -eq 0 ] && grep -qE "^installcheck +PASS" "$2/summary"' _ "$apt_rc" "$work/autopkgtest"
out="$work/autopkgtest/installcheck-stdout"
if [ -f "$out" ]; then
	# pg_regress and pg_isolation_regress: "test NAME ... ok|FAILED"
	grep -E '^(test| ) *[^ ]+ +\.\.\. (ok|FAILED)' "$out"
	passed=$((passed + $(grep -cE '^(test| ) *[^ ]+ +\.\.\. ok' "$out")))
	failed=$((failed + $(grep -cE '^(test| ) *[^ ]+ +\.\.\. FAILED' "$out")))
	[ -s "$work/autopkgtest/installcheck-stderr" ] && tail -n 40 "$work/autopkgtest/installcheck-stderr"
fi

# --- the command on its own: the extension purged --------------------------------
purge() {
	dpkg --purge "$1" >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; return 1; }
	! installed "$1"
}
purge_extension() {
	purge "$pkg" && installed "$cmd_pkg"
}
check "dpkg --purge removes $pkg, and $cmd_pkg stays installed" purge_extension
check "$pkg's files are gone ($so)" test ! -e "$so"

check "pg_migrate --version, found on the default PATH, prints $(sed -n 's/^DISTVERSION = //p' "$top/Makefile")" \
	bash -c 'v=$(env -i PATH=/usr/local/bin:/usr/bin:/bin pg_migrate --version) && echo "$v" &&
		[ "$v" = "pg_migrate $1" ] && [ "$(command -v pg_migrate)" = /usr/bin/pg_migrate ]' \
	_ "$(sed -n 's/^DISTVERSION = //p' "$top/Makefile")"
check "man finds the manual page /usr/share/man/man1/pg_migrate.1.gz" \
	bash -c 'man -aw pg_migrate | grep -qx /usr/share/man/man1/pg_migrate.1.gz'

# A throwaway cluster (pg_virtualenv -t: in a temporary folder) where no
# pg_migrate extension is available; a role that is not a superuser owns
# the database, as on a managed service.
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
cat >"$work/cli-migrate.sh" <<'SCRIPT'
#!/bin/sh
# runs inside pg_virtualenv: PGHOST, PGPORT, PGUSER=postgres, PGPASSWORD set
set -eu
sql=$1
echo "extension available: $(psql -XAtc "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_migrate'")"
psql -Xq -c "CREATE ROLE app LOGIN PASSWORD 'app-secret'" -c "CREATE DATABASE app OWNER app"
export PGUSER=app PGPASSWORD=app-secret PGDATABASE=app
/usr/bin/pg_migrate -locations="filesystem:$sql" migrate
/usr/bin/pg_migrate -locations="filesystem:$sql" info
echo "history: $(psql -XAtc "SELECT string_agg(coalesce(version, 'R') || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history")"
echo "population: $(psql -XAtc "SELECT population FROM cities WHERE name = 'Lisbon'")"
echo "extensions: $(psql -XAtc "SELECT string_agg(extname, ',') FROM pg_extension")"
SCRIPT
chmod 755 "$work/cli-migrate.sh"
# (a port of its own: other throwaway clusters may be starting on this machine)
pg_virtualenv -t -v 15 -c "-p $((54000 + RANDOM % 900))" "$work/cli-migrate.sh" "$sql" >"$work/cli.log" 2>&1
cli_rc=$?
cat "$work/cli.log"
check "pg_migrate migrate (as a role that is not a superuser) succeeds on a cluster without the extension" \
	bash -c '[ "$1" -eq 0 ] && grep -qx "extension available: 0" "$2" &&
		grep -q "^Successfully applied 3 migrations" "$2"' _ "$cli_rc" "$work/cli.log"
check "the history holds V1, V2 and the repeatable, all successful; the data is there; no extension was created" \
	bash -c 'grep -qx "history: 1:true,2:true,R:true" "$1" && grep -qx "population: 545000" "$1" &&
		grep -qx "extensions: plpgsql" "$1"' _ "$work/cli.log"
check "pg_migrate info shows the three migrations as Success" \
	bash -c '[ "$(grep -cE "^\|.*\| Success +\|" "$1")" -eq 3 ]' _ "$work/cli.log"

purge_command() {
	purge "$cmd_pkg" && [ ! -e /usr/bin/pg_migrate ] && [ ! -e /usr/share/man/man1/pg_migrate.1.gz ]
}
check "dpkg --purge removes $cmd_pkg, its command and its manual page" purge_command

# --- put a source install back ------------------------------------------------
if [ "$from_source" -eq 1 ]; then
	check "pg_migrate installed from source again (make install)" \
		bash -c 'make -s -C "$1" install >/dev/null && [ -e "$2" ]' _ "$top" "$so"
fi
finish
