#!/bin/sh
# package.sh - build function.zip for the provided.al2023 Lambda runtime.
#
# Stages bootstrap plus every shared library it needs except glibc's own
# (which the runtime provides) into build/pkg/{bootstrap,lib/}, and fails
# if bootstrap or any bundled library requires a glibc symbol version newer
# than the target's (AL2023: 2.34) or glibc-private symbols.
#
# Usage: ./package.sh MAX_GLIBC   (called by "make package")
# Optional: RDS_CA_BUNDLE=/path/global-bundle.pem is shipped as
# rds-global-bundle.pem, which switches libpq to sslmode=verify-full.
# Optional: SQL=folder bundles the scripts of client mode: the folder's
# contents go under sql/ (as the old Flyway image's "COPY scripts
# /flyway/sql"), so FLYWAY_LOCATIONS=filesystem:./sql/postgresql finds
# folder/postgresql under LAMBDA_TASK_ROOT.  build/pkg/sql/ is made even
# without SQL (empty), for the Dockerfile's COPY.
set -eu

max=${1:-2.34}
stage=build/pkg
rm -rf "$stage" function.zip
mkdir -p "$stage/lib"
cp bootstrap "$stage/bootstrap"
strip --strip-unneeded "$stage/bootstrap"

# glibc itself (and the loader) must come from the target system
is_glibc() {
	case "$1" in
	linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libpthread.so.* | \
	libdl.so.* | librt.so.* | libresolv.so.* | libutil.so.* | libanl.so.* | libnsl.so.*)
		return 0 ;;
	esac
	return 1
}

ldd bootstrap | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
	if ! is_glibc "$name"; then
		cp -L "$path" "$stage/lib/$name"
		strip --strip-unneeded "$stage/lib/$name"
	fi
done

status=0
for f in "$stage/bootstrap" "$stage"/lib/*; do
	need=$(objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V -u | tail -1)
	if objdump -T "$f" | grep -q 'GLIBC_PRIVATE'; then
		echo "package: $f uses GLIBC_PRIVATE symbols" >&2
		status=1
	fi
	if [ -n "$need" ] && [ "$(printf '%s\n%s\n' "$need" "$max" | sort -V | tail -1)" != "$max" ]; then
		echo "package: $f needs GLIBC_$need, newer than the target's $max" >&2
		status=1
	fi
done
[ $status -eq 0 ] || exit 1

if [ -n "${RDS_CA_BUNDLE:-}" ]; then
	cp "$RDS_CA_BUNDLE" "$stage/rds-global-bundle.pem"
fi

mkdir -p "$stage/sql"
scripts=""
if [ -n "${SQL:-}" ]; then
	if [ ! -d "$SQL" ]; then
		echo "package: SQL=$SQL is not a folder (relative paths are read from lambda/)" >&2
		exit 1
	fi
	# the folder's contents, dot files (.git, editor files) left out;
	# readable by the function's user whatever the checkout's modes
	cp -R "$SQL"/. "$stage/sql/"
	find "$stage/sql" -mindepth 1 -name '.*' -prune -exec rm -rf {} +
	chmod -R u+rwX,go+rX,go-w "$stage/sql"
	scripts=sql
	echo "package: bundled $(find "$stage/sql" -type f -name '*.sql' | wc -l) .sql files of $SQL under sql/"
fi

(cd "$stage" && zip -q -X -r ../../function.zip bootstrap lib $scripts $( [ -f rds-global-bundle.pem ] && echo rds-global-bundle.pem ))
echo "package: function.zip $(du -k function.zip | cut -f1) KB, $(ls "$stage/lib" | wc -l) libraries, glibc <= $max"
