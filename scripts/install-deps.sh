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

missing=()
for p in "${packages[@]}"; do
	# a Node.js that ships its own npm (NodeSource's) conflicts with Debian's npm
	case "$p" in npm|nodejs) command -v npm >/dev/null 2>&1 && continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
