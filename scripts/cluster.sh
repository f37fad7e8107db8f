#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the demo and the tests.
#   scripts/cluster.sh start DIR PORT [postgresql.conf lines...]
#   scripts/cluster.sh stop DIR
# initdb refuses to run as root, so as root the cluster belongs to the
# "postgres" user that Debian's postgresql package creates.
set -euo pipefail
bindir=$(pg_config --bindir)
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cmd=$1 dir=$2
case "$cmd" in
start)
	port=$3
	shift 3
	rm -rf "$dir"
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir'"
		echo "port = $port"
		echo "max_worker_processes = 16"
		for line in "$@"; do echo "$line"; done
	} | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
	;;
stop)
	[ -d "$dir/data" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start DIR PORT | stop DIR" >&2
	exit 2
	;;
esac
