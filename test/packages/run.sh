#!/usr/bin/env bash
# test/packages/run.sh
#   The Debian packages, as a user gets them: builds them from a copy of the
#   tree with "dpkg-buildpackage -us -uc -b" (which also runs the regression
#   and isolation suites against the files in debian/), checks them with
#   lintian (an error fails), then lets autopkgtest install the .deb with apt
#   and run debian/tests/ against the installed package, as Debian's CI
#   does, and purges the package.  Last line: "packages: N passed, N failed".
#
#   bash test/packages/run.sh        as root, on Debian 12 with
#                                    test/packages/DEPENDENCIES installed
#
# Installing the package replaces the files that "make install" put in
# PostgreSQL's folders, and purging it removes them.  So test/run_all.sh runs
# this suite last, and if pg_migrate was installed from source before, this
# script installs it from source again after the purge.  A machine where
# postgresql-15-pg-migrate is installed already is left alone (the suite
# fails and says so).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pkg=postgresql-15-pg-migrate
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

finish() {
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
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
	echo "$pkg is installed already; this suite installs and purges it: purge it first"
	failed=1
	finish
fi

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
check "dpkg-buildpackage -us -uc -b builds $pkg, its regression tests passing at build time" build
deb=$(ls "$work"/${pkg}_*_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$work"/*.changes 2>/dev/null | head -n 1)
if [ -z "$deb" ] || [ -z "$changes" ]; then
	echo "no $pkg .deb or .changes was built"
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

# --- what the package declares and holds ---------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
recommends=$(dpkg-deb -f "$deb" Recommends)
echo "Depends: $depends"
echo "Recommends: $recommends"
# names FIELD-VALUE PACKAGE...: each package is in the comma-separated list
names() {
	local list=$1 p
	shift
	for p in "$@"; do
		grep -qE "(^|, )$p( |,|\$)" <<<"$list" || { echo "not named: $p"; return 1; }
	done
}
check "Depends names postgresql-15, libcjson1, zlib1g and libpq5 (the command)" names "$depends" postgresql-15 libcjson1 zlib1g libpq5
# curl_api.c opens libcurl.so.4 with dlopen(), so no shlibs dependency names it
check "Recommends names libcurl4 (opened with dlopen for remote locations)" names "$recommends" libcurl4
contents=$(dpkg-deb -c "$deb")
check "the .deb holds the library, the control file, the SQL script, the pg_migrate command and the copyright" \
	bash -c 'for f in usr/lib/postgresql/15/lib/pg_migrate.so usr/share/postgresql/15/extension/pg_migrate.control \
		usr/lib/postgresql/15/bin/pg_migrate \
		usr/share/postgresql/15/extension/pg_migrate--1.0.sql usr/share/doc/'"$pkg"'/copyright; do
		grep -q " \./$f\$" <<<"$1" || { echo "missing: $f"; exit 1; }; done' _ "$contents"
check "the copyright file names the PostgreSQL License" \
	bash -c 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./usr/share/doc/'"$pkg"'/copyright | grep -q "^License: PostgreSQL$"' _ "$deb"

# --- installed: autopkgtest installs it with apt and runs debian/tests/ --------
# (the null runner tests this machine; it leaves the package installed)
autopkgtest --output-dir "$work/autopkgtest" "$deb" "$src/" -- null >"$work/autopkgtest.log" 2>&1
apt_rc=$?
cat "$work/autopkgtest/summary" 2>/dev/null || tail -n 60 "$work/autopkgtest.log"
check "autopkgtest installed $pkg" \
	bash -c 'dpkg-query -W -f="\${Status}" "$1" 2>/dev/null | grep -q "install ok installed"' _ "$pkg"
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

# --- purge, and put a source install back --------------------------------------
purge() {
	dpkg --purge "$pkg" >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; return 1; }
	[ ! -e "$so" ] || { echo "$so is still there"; return 1; }
}
check "dpkg --purge removes $pkg and its files" purge
if [ "$from_source" -eq 1 ]; then
	check "pg_migrate installed from source again (make install)" \
		bash -c 'make -s -C "$1" install >/dev/null && [ -e "$2" ]' _ "$top" "$so"
fi
finish
