#!/usr/bin/env bash
# `make run-cluster`: the multi-process deployment on this machine, in the foreground.
# PostgreSQL (Debian package) + Redis (Debian redis-server) + two gunicorn app processes
# (ports CLUSTER_PORTS, default 8051 8052) + one `connect-dallas worker`. Ctrl-C stops what it started
# (PostgreSQL, a system service, keeps running). docs/deployment.md explains each part.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DB=${CLUSTER_DB:-connect_dallas_cluster}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6399}
PORTS=${CLUSTER_PORTS:-"8051 8052"}
HOST=${HOST:-127.0.0.1}
pids=()

stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  echo "cluster stopped"
}
trap stop_all INT TERM EXIT

need_apt() {  # install a Debian package when its command is missing (as root, like CI)
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing $2 with apt"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need_apt pg_ctlcluster postgresql
need_apt redis-server redis-server

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $DB"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning &
pids+=($!)

mkdir -p instance
[ -s instance/cluster_secret ] || (umask 077; $BIN/python -c 'import secrets; print(secrets.token_hex(32))' > instance/cluster_secret)
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SECRET_KEY; SECRET_KEY=$(cat instance/cluster_secret)  # every app process must share it
first_port=${PORTS%% *}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$HOST:$first_port}

$BIN/connect-dallas init-db
$BIN/connect-dallas seed-demo --if-empty

for port in $PORTS; do
  $BIN/gunicorn -c python:dashboard.gunicorn_conf --bind "$HOST:$port" --workers "${WEB_CONCURRENCY:-2}" \
    --access-logfile /dev/null 'dashboard.wsgi:app' &
  pids+=($!)
done
$BIN/connect-dallas worker &
pids+=($!)

echo
echo "CONNECT DALLAS cluster: PostgreSQL $DB, Redis :$REDIS_PORT, app processes on:"
for port in $PORTS; do echo "  http://$HOST:$port"; done
echo "one worker runs the background jobs. Ctrl-C stops the cluster."
wait -n "${pids[@]}" || true
if [ "${#pids[@]}" -gt 0 ]; then echo "a cluster process ended; stopping the rest" >&2; fi
