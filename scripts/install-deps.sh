#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything pg_migrate needs to build,
# demo and test.  Installs only what is missing; needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	build-essential postgresql-15 postgresql-server-dev-15
	libcurl4-openssl-dev libcjson-dev zlib1g-dev libssl-dev libipc-run-perl
)
# Suites under lambda/, test/fetch/ and test/sync/ list their own extra packages.
for f in lambda/DEPENDENCIES test/fetch/DEPENDENCIES test/sync/DEPENDENCIES; do
	[ -f "$f" ] && while read -r p _; do
		case "$p" in ''|'#'*) ;; *) packages+=("$p") ;; esac
	done < "$f"
done

# lambda/deps.sh builds libcurl and libpq from Debian's source packages
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
need_update=0
if ! apt-cache showsrc curl 2>/dev/null | grep '^Version:' >/dev/null; then
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
