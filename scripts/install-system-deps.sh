#!/bin/sh
# Installs the Debian packages the test suite drives, only those missing. Needs root or sudo.
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v named >/dev/null 2>&1 || [ -x /usr/sbin/named ] || need="$need bind9 bind9-dnsutils"
command -v unbound >/dev/null 2>&1 || [ -x /usr/sbin/unbound ] || need="$need unbound"
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v msgfmt >/dev/null 2>&1 || need="$need gettext"
# age: the reference tool police use to open a police referral package (tests open ours with it).
command -v age >/dev/null 2>&1 || need="$need age"
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages:$need"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "apt-get update failed; trying the install with the package lists this machine has"
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need
# The packages' own services are not wanted: the tests start their own on loopback ports.
for svc in named unbound; do pkill -x "$svc" 2>/dev/null || true; done
