#!/usr/bin/env bash
# Installs from Debian 12's packages what pg_migrate needs.  Installs only
# what is missing; needs root (or sudo).
#
#   scripts/install-deps.sh          everything the tests need (test/run_all.sh):
#                                    the build, plus each suite's DEPENDENCIES,
#                                    and Debian's source packages (deb-src) for
#                                    lambda/deps.sh
#   scripts/install-deps.sh --demo   only what building the extension and
#                                    running examples/demo.sh need
#   scripts/install-deps.sh --lambda what a deploy pipeline needs for lambda/
#                                    (build, package, test) and tools/, with
#                                    deb-src (docs/pipeline.md)
#   scripts/install-deps.sh --help   this usage; installs nothing
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
deps_files=()
case "${1:-}" in
'') ;;
--demo) mode=demo ;;
--lambda) mode=lambda ;;
-h|--help)
	echo "usage: $0 [--demo | --lambda]"
	echo "  (none)    what every test suite needs (test/run_all.sh)"
	echo "  --demo    building the extension and running examples/demo.sh"
	echo "  --lambda  a deploy pipeline: lambda/ and tools/ (docs/pipeline.md)"
	exit 0
	;;
*)
	echo "usage: $0 [--demo | --lambda]" >&2
	exit 2
	;;
esac

# building the extension and the pg_migrate command (client/: libpq,
# libpg_query, PostgreSQL's parser as a library, and toml++ for flyway.toml
# files, with build-essential's g++), and a server to run them
packages=(
	build-essential postgresql-15 postgresql-server-dev-15
	libcurl4-openssl-dev libcjson-dev zlib1g-dev libssl-dev
	libpq-dev libpg-query-dev libtomlplusplus-dev
)
if [ "$mode" = lambda ]; then
	deps_files=(lambda/DEPENDENCIES)
elif [ "$mode" = all ]; then
	# the TAP tests' PostgreSQL::Test::Cluster
	packages+=(libipc-run-perl)
	# the other suites list their own extra packages
	deps_files=(lambda/DEPENDENCIES test/fetch/DEPENDENCIES test/sync/DEPENDENCIES
		test/packages/DEPENDENCIES test/pgxn/DEPENDENCIES test/pipeline/DEPENDENCIES \
		test/client/DEPENDENCIES test/image/DEPENDENCIES)
fi
for f in "${deps_files[@]}"; do
	[ -f "$f" ] && while read -r p _; do
		case "$p" in ''|'#'*) ;; *) packages+=("$p") ;; esac
	done < "$f"
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
need_update=0
# lambda/deps.sh builds libcurl and libpq from Debian's source packages
if [ "$mode" != demo ] && ! apt-cache showsrc curl 2>/dev/null | grep '^Version:' >/dev/null; then
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
			$sudo tee /etc/apt/sources.list.d/pg-migrate-deb-src.sources >/dev/null
	elif [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
			$sudo tee /etc/apt/sources.list.d/pg-migrate-deb-src.list >/dev/null
	fi
	echo "enabled Debian source packages (deb-src) for lambda/deps.sh"
	need_update=1
fi

missing=()
for p in "${packages[@]}"; do
	# a Node.js that ships its own npm (NodeSource's) conflicts with Debian's npm
	case "$p" in npm|nodejs) command -v npm >/dev/null 2>&1 && continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
	$sudo apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
