#!/usr/bin/env bash
# test/pgxn/run.sh
#   PGXN: META.json against the PGXN Meta Spec and the versions elsewhere
#   (check_meta.py), then "make dist": the archive PGXN accepts,
#   pg_migrate-VERSION.zip with everything under pg_migrate-VERSION/, holding
#   what a build needs and none of the local build output.
#   Last line: "pgxn: N passed, N failed".
#
#   bash test/pgxn/run.sh        (needs test/pgxn/DEPENDENCIES; a git checkout)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/pg_migrate_pgxn.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

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

# --- META.json ------------------------------------------------------------------
python3 "$here/check_meta.py" "$top" | tee "$work/meta.log"
line=$(grep -E '^pgxn-meta: [0-9]+ passed, [0-9]+ failed' "$work/meta.log")
if [ -n "$line" ]; then
	passed=$((passed + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")))
	failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
else
	failed=$((failed + 1))
fi

# --- make dist --------------------------------------------------------------------
version=$(sed -n 's/^DISTVERSION *= *\([^ ]*\) *$/\1/p' "$top/Makefile")
dist="pg_migrate-$version"
make_dist() {
	rm -f "$top/$dist.zip"
	make -s -C "$top" dist >"$work/dist.log" 2>&1 || { cat "$work/dist.log"; return 1; }
	mv "$top/$dist.zip" "$work/" && python3 -m zipfile -l "$work/$dist.zip" |
		awk 'NR > 1 { print $1 }' >"$work/entries"
}
check "make dist writes $dist.zip" make_dist
entries="$work/entries"
touch "$entries"
echo "$dist.zip: $(wc -l <"$entries") entries"

check "every entry is under $dist/" bash -c '[ -s "$1" ] && ! grep -v "^$2/" "$1"' _ "$entries" "$dist"
for f in META.json Makefile pg_migrate.control pg_migrate--1.0.sql pg_migrate--1.1.sql pg_migrate--1.2.sql pg_migrate--1.0--1.1.sql pg_migrate--1.1--1.2.sql LICENSE README.md CHANGELOG.md \
	pg_migrate.c src/core/ src/backend/ src/remote/ client/ \
	docs/reference.md debian/control sql/ expected/ specs/ test/migrations/; do
	check "the archive has $f" grep -qx "$dist/$f" "$entries"
done
for pattern in '/\.git/' '/lambda/build/' '/node_modules/' '\.o$' '\.so$' '\.zip$' '/results/'; do
	check "the archive has nothing matching $pattern" bash -c '! grep -E "$2" "$1"' _ "$entries" "$pattern"
done
# a .git FILE (worktrees, submodules) would be as wrong as the folder
check "the archive has no .git entry at all" bash -c '! grep -E "(^|/)\.git(/|$)" "$1"' _ "$entries"
check "the archive's META.json is the tree's" \
	bash -c 'python3 -c "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))" \
		"$1" "$2/META.json" | cmp -s - "$3/META.json"' _ "$work/$dist.zip" "$dist" "$top"

echo "pgxn: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
