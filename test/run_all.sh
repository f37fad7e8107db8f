#!/usr/bin/env bash
# Runs every test suite of pg_migrate and ends with one line
# "N passed, N failed" summing them all.  Exit status 0 only if all passed.
#
#   test/run_all.sh        (on Debian 12; installs what is missing, needs root or sudo)
#
# Suites: unit (pure logic), regress + isolation + TAP (make installcheck on a
# throwaway cluster), lambda (make -C lambda check), fetch (test/fetch/run.sh),
# pgxn (test/pgxn/run.sh: META.json and make dist), pipeline
# (test/pipeline/run.sh: the buildspecs in examples/), image
# (test/image/run.sh: the command's container image built with buildah and
# run against a throwaway cluster), and last packages (test/packages/run.sh:
# the Debian packages built, linted, installed, tested and purged; it
# installs from source again afterwards).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh || { echo "could not install dependencies"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
summary=()
log_dir=$(mktemp -d /tmp/pg_migrate_tests.XXXXXX)
chmod 755 "$log_dir"

# add_counts SUITE PASSED FAILED
add_counts() {
	passed=$((passed + $2))
	failed=$((failed + $3))
	summary+=("$1: $2 passed, $3 failed")
}

# Take "N passed, N failed" from the last such line of a suite's output.
counts_from_line() {
	local line
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		add_counts "$1" 0 1
	else
		add_counts "$1" "$(sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")" \
			"$(sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")"
	fi
}

as_unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

echo "== build (warnings are errors) and install"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
if ! make -s clean >/dev/null || ! make -s EXTRA_CFLAGS=-Werror || ! $sudo make -s install >/dev/null; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# The Lambda handler's static libcurl and libpq take a couple of minutes to
# build from source: start that now, alongside the suites that need it not.
deps_pid=""
if [ -f lambda/Makefile ] && [ ! -f lambda/build/deps/stamp ]; then
	make --no-print-directory -C lambda deps >"$log_dir/lambda-deps.log" 2>&1 &
	deps_pid=$!
fi

echo "== unit tests"
make -s -C test/unit clean >/dev/null
make -s -C test/unit check 2>&1 | tee "$log_dir/unit.log"
counts_from_line unit "$log_dir/unit.log"

echo "== regression, isolation and TAP tests (make installcheck)"
# initdb and the TAP clusters refuse root: run from a copy the postgres user owns.
run_dir="$log_dir/tree"
mkdir -p "$run_dir"
tar --exclude=.git --exclude=lambda/build --exclude=lambda/cdk/node_modules --exclude=bench/node_modules -cf - . | tar -xf - -C "$run_dir"
rm -rf /tmp/pg_migrate_regress
[ "$(id -u)" -eq 0 ] && chown -R postgres "$log_dir"
port=$((54000 + RANDOM % 900))
scripts/cluster.sh start "$log_dir/cluster" "$port"
( cd "$run_dir" && as_unprivileged make installcheck PGHOST="$log_dir/cluster" PGPORT="$port" \
	PGUSER=postgres PROVE_FLAGS=-v ) >"$log_dir/installcheck.log" 2>&1
scripts/cluster.sh stop "$log_dir/cluster"
cat "$log_dir/installcheck.log"
for diffs in "$run_dir/regression.diffs" "$run_dir/output_iso/regression.diffs"; do
	[ -s "$diffs" ] && { echo "== $diffs"; cat "$diffs"; }
done
# pg_regress and pg_isolation_regress print "test NAME ... ok|FAILED"; prove -v prints "ok N"/"not ok N".
regress_ok=$(grep -cE '^(test| ) *[^ ]+ +\.\.\. ok' "$log_dir/installcheck.log")
regress_bad=$(grep -cE '^(test| ) *[^ ]+ +\.\.\. FAILED' "$log_dir/installcheck.log")
add_counts regress+isolation "$regress_ok" "$regress_bad"
tap_ok=$(grep -cE '^ *ok [0-9]+' "$log_dir/installcheck.log")
tap_bad=$(grep -cE '^ *not ok [0-9]+' "$log_dir/installcheck.log")
grep -qE 'Result: FAIL|Dubious|Bailout|No subtests run' "$log_dir/installcheck.log" && tap_bad=$((tap_bad + 1))
add_counts tap "$tap_ok" "$tap_bad"
if [ "$regress_ok" -eq 0 ]; then
	add_counts installcheck 0 1
fi

if [ -f lambda/Makefile ]; then
	echo "== lambda tests"
	if [ -n "$deps_pid" ] && ! wait "$deps_pid"; then
		cat "$log_dir/lambda-deps.log"
	fi
	make --no-print-directory -C lambda check 2>&1 | tee "$log_dir/lambda.log"
	counts_from_line lambda "$log_dir/lambda.log"
fi

if [ -f test/fetch/run.sh ]; then
	echo "== fetch tests"
	bash test/fetch/run.sh 2>&1 | tee "$log_dir/fetch.log"
	counts_from_line fetch "$log_dir/fetch.log"
fi

if [ -f test/pgxn/run.sh ]; then
	echo "== PGXN: META.json and make dist"
	bash test/pgxn/run.sh 2>&1 | tee "$log_dir/pgxn.log"
	counts_from_line pgxn "$log_dir/pgxn.log"
fi

if [ -f test/pipeline/run.sh ]; then
	echo "== pipeline: the CodeBuild buildspecs in examples/"
	bash test/pipeline/run.sh 2>&1 | tee "$log_dir/pipeline.log"
	counts_from_line pipeline "$log_dir/pipeline.log"
fi

if [ -f test/image/run.sh ]; then
	echo "== image: the pg_migrate command's container image (client/Dockerfile)"
	$sudo bash test/image/run.sh 2>&1 | tee "$log_dir/image.log"
	counts_from_line image "$log_dir/image.log"
fi

# Last: installing the .deb replaces the files "make install" put in place
# for the suites above (the suite purges it and installs from source again).
if [ -f test/packages/run.sh ]; then
	echo "== Debian packages"
	$sudo bash test/packages/run.sh 2>&1 | tee "$log_dir/packages.log"
	counts_from_line packages "$log_dir/packages.log"
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
rm -rf "$log_dir" /tmp/pg_migrate_regress
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
