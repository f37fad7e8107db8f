#!/bin/bash
# test/fetch/run.sh
#   Builds test/fetch/test_fetch (frontend build of src/remote/: fetch.c,
#   s3.c, curl_api.c, aws_credentials.c, remote_location.c; and
#   src/core/manifest.c), makes a
#   test CA and certificates with openssl, starts the loopback servers of server.py, runs the tests and
#   stops the servers; then test_no_libcurl (the same fetch.c where libcurl
#   cannot be found).  Last line: "fetch: N passed, N failed"; exit status
#   non-zero on failure.
#
#   bash test/fetch/run.sh              run the tests
#   VALGRIND=1 bash test/fetch/run.sh   run them under valgrind (leak check)
#   FETCH_TEST_VERBOSE=1 ...            show each fault's message
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
PYTHON=${PYTHON:-/usr/bin/python3}	# Debian's, with python3-botocore
work=$(mktemp -d /tmp/pg_migrate_fetch.XXXXXX)
server_pid=

cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "$*" >&2
	echo "fetch: 0 passed, 1 failed"
	exit 1
}

# --- build -------------------------------------------------------------------
CFLAGS="-std=gnu99 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wdeclaration-after-statement -Wmissing-prototypes"
CPPFLAGS="-DFRONTEND -I$top/src/remote -I$top/src/core -I$($PG_CONFIG --includedir-server) -I$($PG_CONFIG --includedir)"
LIBS="-L$($PG_CONFIG --pkglibdir) -L$($PG_CONFIG --libdir) -lpgcommon -lpgport -lcjson -lcrypto -lm"
remote="$top/src/remote/fetch.c $top/src/remote/s3.c $top/src/remote/curl_api.c $top/src/remote/aws_credentials.c
	$top/src/remote/remote_location.c $top/src/core/properties.c $top/src/core/migrate_error.c"
cc $CPPFLAGS $CFLAGS -o "$work/test_fetch" "$here/test_fetch.c" $remote \
	"$top/src/core/manifest.c" $LIBS || fail "build failed"
# the same fetch.c where libcurl cannot be found
cc $CPPFLAGS $CFLAGS -DCURL_SONAME='"libcurl-not-installed.so.4"' -o "$work/test_no_libcurl" \
	"$here/test_no_libcurl.c" $remote "$top/src/core/manifest.c" $LIBS || fail "build failed"

# --- certificates: a test CA, a server certificate for 127.0.0.1/localhost,
# one for another host name, and an unrelated CA ---------------------------------
mkcert() {	# name cn san
	openssl req -new -newkey rsa:2048 -nodes -keyout "$work/$1.key" -subj "/CN=$2" \
		-out "$work/$1.csr" 2>/dev/null &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" > "$work/$1.ext" &&
	openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
		-days 2 -sha256 -extfile "$work/$1.ext" -out "$work/$1.crt" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" -days 2 \
	-subj "/CN=pg_migrate test CA" 2>/dev/null || fail "openssl: CA"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/other-ca.key" -out "$work/other-ca.crt" -days 2 \
	-subj "/CN=pg_migrate other CA" 2>/dev/null || fail "openssl: other CA"
mkcert server 127.0.0.1 "IP:127.0.0.1,DNS:localhost" || fail "openssl: server certificate"
mkcert badhost wrong.example "DNS:wrong.example" || fail "openssl: badhost certificate"

# --- servers (stop by themselves after 300 s if this script dies) -------------
"$PYTHON" "$here/server.py" --dir "$work" --ports "$work/ports" --lifetime 300 &
server_pid=$!
for _ in $(seq 1 100); do
	[ -f "$work/ports" ] && break
	kill -0 "$server_pid" 2>/dev/null || fail "server.py did not start (is python3-botocore installed?)"
	sleep 0.1
done
[ -f "$work/ports" ] || fail "server.py did not write its ports"

# --- run -------------------------------------------------------------------------
# no proxy for loopback, and no ambient AWS settings
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

if [ "${VALGRIND:-}" = 1 ]; then
	# Memory errors fail the run.  Leaks: the test does not free the palloc'd
	# strings fetch.c hands back (a backend frees them with the memory
	# context), so only leaks of memory malloc'd by libcurl, OpenSSL or cJSON
	# (a loss record without palloc in its stack: a handle, slist, URL or JSON
	# tree not freed) count as failures.
	timeout 600 valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=none --error-exitcode=3 --log-file="$work/valgrind" \
		"$work/test_fetch" "$work/ports" "$work" > "$work/out" 2> "$work/err"
	rc=$?
	leaks=$(awk '/are (definitely|indirectly) lost/ {rec=1; buf=""; pal=0}
		rec {buf=buf $0 "\n"; if ($0 ~ /palloc|pstrdup|psprintf/) pal=1}
		rec && /^==[0-9]+== $/ {if (!pal) printf "%s", buf; rec=0}' "$work/valgrind")
	if [ -n "$leaks" ]; then
		echo "$leaks" >&2
		echo "valgrind: memory allocated outside palloc was leaked" >&2
		[ $rc -ne 0 ] || rc=4
	fi
	grep -q 'ERROR SUMMARY: [1-9]' "$work/valgrind" 2>/dev/null && cat "$work/valgrind" >&2
	grep -E 'Invalid|uninitialised|Mismatched' "$work/valgrind" >&2
else
	timeout 120 "$work/test_fetch" "$work/ports" "$work" > "$work/out" 2> "$work/err"
	rc=$?
fi
cat "$work/err" >&2
# without libcurl: its assertions join the total
timeout 60 "$work/test_no_libcurl" > "$work/out_nolib" 2>&1
nolib_rc=$?
cat "$work/out_nolib"
nolib=$(tail -n 1 "$work/out_nolib")
nolib_p=$(echo "$nolib" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
nolib_f=$(echo "$nolib" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
[ -n "$nolib_p" ] || { nolib_p=0; nolib_f=1; }
[ $nolib_rc -eq 0 ] || [ "$nolib_f" -gt 0 ] || nolib_f=1
last=$(tail -n 1 "$work/out")
[ -n "$last" ] || last="fetch: 0 passed, 1 failed"
if [ $rc -ne 0 ] && ! echo "$last" | grep -q ' [1-9][0-9]* failed'; then
	# crashed, timed out or valgrind errors: count that as a failure
	p=$(echo "$last" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
	echo "test_fetch exited with status $rc" >&2
	last="fetch: ${p:-0} passed, 1 failed"
fi
p=$(echo "$last" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
f=$(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
echo "fetch: $((${p:-0} + nolib_p)) passed, $((${f:-1} + nolib_f)) failed"
[ $rc -eq 0 ] && [ "$nolib_f" -eq 0 ]
