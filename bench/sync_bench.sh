#!/usr/bin/env bash
# bench/sync_bench.sh — the sync worker's benchmark (issue 4, item 8).
#
#   bash bench/sync_bench.sh [N]        N scripts (default 1000)
#
# Creates a throwaway PostgreSQL 15 cluster (as the postgres OS user, unix
# socket only) and the loopback servers of test/sync/server.py with a test
# CA, publishes a release of N small scripts, then measures:
#   1. the first migrate_sync() of the release (N+2 HTTPS requests), and how
#      many TLS connections it opened (libcurl's connection reuse);
#   2. an unchanged-release poll: migrate_sync() answered by one conditional
#      request (304), wall time per poll and the server's CPU per poll
#      (utime+stime of the server process over 200 polls, from /proc);
#   3. the same poll on S3 (SigV4 checked by botocore in the double; the key
#      in a chmod 600 pg_migrate.s3_credentials_file; the bench stops if the
#      release did not arrive);
#   4. a re-sync over HTTPS after one of the N scripts changed (a new
#      release: the manifest is read again and matched with the N kept
#      files, one script is fetched).
# Prints a Markdown table.  Needs the extension installed (make install),
# python3-botocore and openssl.  KEEP=1 leaves the cluster and servers
# running for a look; CORES=1 allows core dumps of the server; NO_S3=1 skips
# step 3 (for a large N: the S3 double checks every request's signature).
set -euo pipefail
N=${1:-1000}
POLLS=200
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export PATH=$PG_BIN:$PATH
work=$(mktemp -d /tmp/pg_migrate_sync_bench.XXXXXX)
chmod 755 "$work"
server_pid=
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	as_pg pg_ctl -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT	# KEEP=1: leave cluster and servers for a look

# --- certificates and servers -------------------------------------------------
mkdir -p "$work/certs" "$work/root/app" "$work/root/benchbucket/app"
c=$work/certs
openssl req -x509 -newkey rsa:2048 -nodes -keyout $c/ca.key -out $c/ca.crt -days 2 -subj "/CN=bench CA" 2>/dev/null
for n in server:IP:127.0.0.1 badhost:DNS:wrong.example; do
	name=${n%%:*}; san=${n#*:}
	openssl req -new -newkey rsa:2048 -nodes -keyout $c/$name.key -subj "/CN=$name" -out $c/$name.csr 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > $c/$name.ext
	openssl x509 -req -in $c/$name.csr -CA $c/ca.crt -CAkey $c/ca.key -CAcreateserial -days 2 -sha256 \
		-extfile $c/$name.ext -out $c/$name.crt 2>/dev/null
done
chmod 644 $c/*

# --- a release of N scripts, manifest written last ----------------------------
/usr/bin/python3 - "$work/root/app" "$N" <<'EOF'
import hashlib, json, os, sys
root, n = sys.argv[1], int(sys.argv[2])
files = []
for i in range(1, n + 1):
    path = "V%d__table_%d.sql" % (i, i)
    body = ("CREATE TABLE bench_%d (id bigint PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now());\n"
            "COMMENT ON TABLE bench_%d IS 'benchmark table %d';\n" % (i, i, i)).encode()
    with open(os.path.join(root, path), "wb") as f:
        f.write(body)
    files.append({"path": path, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()})
with open(os.path.join(root, "pg_migrate.json"), "w") as f:
    json.dump({"release": "bench-%d" % n, "files": files}, f)
EOF
cp -R "$work/root/app/." "$work/root/benchbucket/app/"

/usr/bin/python3 "$top/test/sync/server.py" --certs "$c" --root "$work/root" --ports "$work/ports" --lifetime 1800 &
server_pid=$!
for _ in $(seq 1 100); do [ -f "$work/ports" ] && break; sleep 0.1; done
https=$(sed -n 's/^https=//p' "$work/ports")
s3=$(sed -n 's/^s3=//p' "$work/ports")
stats() { /usr/bin/python3 -c 'import ssl,sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=sys.argv[2])).read().decode())' "https://127.0.0.1:$https/$1" "$c/ca.crt"; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$server_pid/stat; }

# --- cluster ------------------------------------------------------------------------
chown postgres "$work" 2>/dev/null || true
as_pg initdb -D "$work/data" -A trust -U postgres >/dev/null
# the S3 double's key, in a credentials file as a server keeps it: no secret
# is ever a setting; the server's user must own it and no one else read it
creds=$work/s3-credentials
printf '[default]\naws_access_key_id = AKIDPLAINTEST000001\naws_secret_access_key = %s\n' \
	'plainSecretKey/0123456789abcdefghijKLMN' >"$creds"
chmod 600 "$creds"
[ "$(id -u)" -eq 0 ] && chown postgres "$creds"
cat >> "$work/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work'
port = 54339
fsync = off
pg_migrate.ca_file = '$c/ca.crt'
pg_migrate.s3_endpoint = 'https://127.0.0.1:$s3'
pg_migrate.s3_region = 'eu-west-1'
pg_migrate.s3_credentials_file = '$creds'
EOF
# only that file: no instance metadata or container endpoint (link-local,
# not loopback), no credentials from the caller's environment
export AWS_EC2_METADATA_DISABLED=true
unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
	AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
[ -n "${CORES:-}" ] && ulimit -c unlimited
as_pg pg_ctl -D "$work/data" -l "$work/log" -w start >/dev/null
psql_q() { as_pg psql -h "$work" -p 54339 -U postgres -d postgres -XAtq "$@"; }
psql_q -c 'CREATE EXTENSION pg_migrate'

ms_of() {	# run SQL once, print elapsed ms (psql \timing)
	psql_q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}

# 1. first sync
stats __reset >/dev/null
first=$(ms_of "SET pg_migrate.locations = 'https://127.0.0.1:$https/app/'; SELECT status, added FROM migrate_sync()")
st=$(stats __stats)
# (on stdin: with a large N the stats list N paths, too long for an argument)
requests=$(printf '%s' "$st" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
conns=$(printf '%s' "$st" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"])')
kept=$(psql_q -c "SELECT count(*) FROM pg_migrate_fetched_scripts")

# 2. unchanged polls over HTTPS: wall and server CPU
poll_sql="SET pg_migrate.locations = 'https://127.0.0.1:$https/app/'; SELECT status FROM migrate_sync()"
t0=$(cpu_ticks); w0=$(date +%s%N)
for _ in $(seq 1 $POLLS); do psql_q -c "$poll_sql" >/dev/null; done
w1=$(date +%s%N); t1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
poll_wall=$(awk -v a=$w0 -v b=$w1 -v n=$POLLS 'BEGIN { printf "%.1f", (b - a) / 1e6 / n }')
poll_cpu=$(awk -v a=$t0 -v b=$t1 -v n=$POLLS -v hz=$hz 'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')
status=$(psql_q -c "$poll_sql")

# 3. S3: first sync and unchanged polls
s3_first=- s3_wall=- s3_cpu=-
if [ -z "${NO_S3:-}" ]; then
	s3_first=$(ms_of "SET pg_migrate.locations = 's3://benchbucket/app/'; SELECT status FROM migrate_sync()")
	s3_sql="SET pg_migrate.locations = 's3://benchbucket/app/'; SELECT status FROM migrate_sync()"
	t0=$(cpu_ticks); w0=$(date +%s%N)
	for _ in $(seq 1 $POLLS); do psql_q -c "$s3_sql" >/dev/null; done
	w1=$(date +%s%N); t1=$(cpu_ticks)
	s3_wall=$(awk -v a=$w0 -v b=$w1 -v n=$POLLS 'BEGIN { printf "%.1f", (b - a) / 1e6 / n }')
	s3_cpu=$(awk -v a=$t0 -v b=$t1 -v n=$POLLS -v hz=$hz 'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }')
	# timings of failed syncs are no benchmark: the release must have arrived
	s3_status=$(psql_q -c "$s3_sql" 2>&1) || true
	if [ "$s3_status" != unchanged ]; then
		echo "the S3 sync failed: $s3_status" >&2
		psql_q -c "SELECT * FROM migrate_sync_status()" >&2 || true
		exit 1
	fi
fi

# 4. one script of N changed, in a new release: a re-sync over HTTPS
/usr/bin/python3 - "$work/root/app" <<'EOF2'
import hashlib, json, os, sys
root = sys.argv[1]
with open(os.path.join(root, "pg_migrate.json")) as f:
    manifest = json.load(f)
entry = manifest["files"][0]
body = b"-- changed\n" + open(os.path.join(root, entry["path"]), "rb").read()
with open(os.path.join(root, entry["path"]), "wb") as f:
    f.write(body)
entry["size"], entry["sha256"] = len(body), hashlib.sha256(body).hexdigest()
manifest["release"] += "-b"
with open(os.path.join(root, "pg_migrate.json.tmp"), "w") as f:
    json.dump(manifest, f)
os.rename(os.path.join(root, "pg_migrate.json.tmp"), os.path.join(root, "pg_migrate.json"))
EOF2
resync=$(ms_of "SET pg_migrate.locations = 'https://127.0.0.1:$https/app/'; SELECT status, changed FROM migrate_sync()")
resync_result=$(psql_q -c "SELECT count(*) FILTER (WHERE release LIKE '%-b') || ' of ' || count(*) FROM pg_migrate_fetched_scripts WHERE location LIKE 'https:%'")

cat <<EOF
| Measure | Result |
|---|---|
| First sync of $N scripts over loopback HTTPS (migrate_sync(), one-shot worker included) | ${first} ms |
| Requests / TLS connections for it | $requests / $conns |
| Scripts kept | $kept |
| Unchanged-release poll, HTTPS (migrate_sync() = one 304), wall per call incl. psql start | ${poll_wall} ms ($status) |
| Server CPU per unchanged poll, HTTPS ($POLLS polls) | ${poll_cpu} ms |
| First sync of $N scripts from the S3 double (SigV4 verified by botocore) | ${s3_first} ms |
| Unchanged-release poll, S3, wall per call | ${s3_wall} ms |
| S3 double CPU per unchanged poll (includes botocore's signature check) | ${s3_cpu} ms |
| Re-sync over HTTPS after 1 of $N scripts changed (new release; one script fetched), wall | ${resync} ms (kept files in the new release: $resync_result) |
EOF
