#!/bin/sh
# deps.sh - build the small, static libcurl and libpq that bootstrap links.
#
# Debian's libcurl and libpq are built for everything (LDAP, Kerberos, SSH,
# RTMP, HTTP/2, IDN, ...): loading them and the ~30 libraries they pull in
# (GnuTLS and p11-kit run constructors at load time) took about 10 ms of
# every cold start.  The handler needs only HTTP(S) with SigV4 and a libpq
# that speaks TLS and SCRAM, so both are built here from Debian's own
# source packages (Debian's patches applied) with everything else turned
# off, and linked statically (the Makefile links Debian's OpenSSL and zlib
# statically too; docs/lambda.md weighs that).
#
# Output: build/deps/{include,lib}; build/deps/stamp records the versions.
# Needs deb-src entries for apt (scripts/install-deps.sh adds them) and
# Debian's build-essential.  Takes about two minutes on two cores.
#
# Usage: ./deps.sh           (called by make when build/deps/stamp is missing)
set -eu
cd "$(dirname "$0")"
out=$PWD/build/deps
src=$PWD/build/src
rm -rf "$out"
mkdir -p "$out/include" "$out/lib" "$src"

if ! apt-cache showsrc curl 2>/dev/null | grep '^Version:' >/dev/null; then
	echo "deps.sh: apt has no source packages; run scripts/install-deps.sh (it adds deb-src entries)" >&2
	exit 1
fi

# apt-get source fetches the .dsc and tarballs (checked against the signed
# Release file) and unpacks them with Debian's patches applied.  A mirror
# may lack the newest upload of a package, so older listed versions are
# tried in turn.
fetch_source() {
	pkg=$1
	dir=$2
	rm -rf "${src:?}/$dir"
	for v in $(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -Vr); do
		rm -rf "$src/tmp" && mkdir -p "$src/tmp"
		if (cd "$src/tmp" && apt-get source -qq "$pkg=$v" >"$src/$pkg.fetch.log" 2>&1); then
			mv "$src/tmp/$(cd "$src/tmp" && ls -d */ | head -1)" "$src/$dir"
			rm -rf "$src/tmp"
			echo "$pkg $v"
			return 0
		fi
	done
	echo "deps.sh: could not fetch the source of $pkg; see $src/$pkg.fetch.log" >&2
	return 1
}

curl_version=$(fetch_source curl curl)
pg_version=$(fetch_source postgresql-15 postgresql)

build_curl() {
	cd "$src/curl"
	# HTTP and HTTPS over OpenSSL with zlib; no other protocol, no helper
	# library.  No CA path is baked in: the handler names the bundle
	# (PG_MIGRATE_CA_BUNDLE, SSL_CERT_FILE, or the first of AL2023's and
	# Debian's files that exists); only without any does OpenSSL's default apply.
	./configure --disable-shared --enable-static --with-pic \
		--with-openssl --with-zlib \
		--without-ca-bundle --without-ca-path --with-ca-fallback \
		--without-libpsl --without-nghttp2 --without-libidn2 --without-brotli --without-zstd \
		--without-librtmp --without-libssh2 --without-libssh --without-wolfssh --without-gssapi \
		--without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3 --without-hyper \
		--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
		--disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
		--disable-gopher --disable-mqtt --disable-ftp --disable-file --disable-manual \
		--disable-ntlm --disable-ntlm-wb --disable-kerberos-auth --disable-negotiate-auth \
		--disable-alt-svc --disable-dependency-tracking --enable-symbol-hiding
	make -j2 -C lib
	cp lib/.libs/libcurl.a "$out/lib/"
	mkdir -p "$out/include/curl"
	cp include/curl/*.h "$out/include/curl/"
}

build_libpq() {
	cd "$src/postgresql"
	# TLS and SCRAM; no Kerberos (GSSAPI), no LDAP service lookup
	./configure --with-openssl --without-gssapi --without-ldap --without-readline \
		--without-zlib --without-icu --without-lz4 --without-zstd --disable-nls
	# (the headers a top-level make would generate first, then the library)
	make -C src/backend generated-headers
	make -j2 -C src/interfaces/libpq all-static-lib
	cp src/interfaces/libpq/libpq.a src/common/libpgcommon_shlib.a \
		src/port/libpgport_shlib.a "$out/lib/"
	cp src/interfaces/libpq/libpq-fe.h src/include/postgres_ext.h \
		src/include/pg_config_ext.h "$out/include/"
	# frontend code shared with the command (client/) uses libpgcommon
	mkdir -p "$out/include/postgresql"
	cp -RL src/include/. "$out/include/postgresql/"
}

# the two configure runs are mostly waiting on fork/exec: run them side by side
(build_curl >"$out/curl.log" 2>&1) &
curl_pid=$!
(build_libpq >"$out/libpq.log" 2>&1) &
pq_pid=$!
status=0
wait $curl_pid || { echo "deps.sh: building libcurl failed; the end of $out/curl.log:" >&2; tail -20 "$out/curl.log" >&2; status=1; }
wait $pq_pid || { echo "deps.sh: building libpq failed; the end of $out/libpq.log:" >&2; tail -20 "$out/libpq.log" >&2; status=1; }
[ $status -eq 0 ] || exit 1

printf '%s\n%s\n' "$curl_version" "$pg_version" >"$out/stamp"
echo "deps.sh: static $curl_version and libpq from $pg_version in build/deps"
