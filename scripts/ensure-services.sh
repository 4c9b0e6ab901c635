#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) run, installing them where missing.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

if ! port_open 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "Installing PostgreSQL"
    $SUDO apt-get install -y -qq postgresql
    conf=$(ls -d /etc/postgresql/*/main | head -1)
    # Trust on loopback: a test database on a CI machine, nothing reachable from outside.
    $SUDO sh -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' > $conf/pg_hba.conf"
  fi
  echo "Starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
fi
port_open 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432; see its log in /var/log/postgresql" >&2; exit 1; }

if ! port_open 6379; then
  command -v redis-server >/dev/null 2>&1 || { echo "Installing Redis"; $SUDO apt-get install -y -qq redis-server; }
  echo "Starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do port_open 6379 && break; sleep 1; done
fi
port_open 6379 || { echo "Redis does not answer on 127.0.0.1:6379; see /var/log/redis/ci.log" >&2; exit 1; }
echo "PostgreSQL and Redis are up."
