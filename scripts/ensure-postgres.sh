#!/usr/bin/env bash
# PostgreSQL is the scale-out store and the test suite runs against it: start the local cluster
# when it is installed but not accepting connections.
set -u
host=127.0.0.1
if pg_isready -q -h "$host" -p 5432 2>/dev/null; then exit 0; fi
if [ -d /etc/postgresql ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p 5432 && exit 0
    sleep 1
  done
fi
echo "PostgreSQL is not reachable at $host:5432; start it, or set CAREDESK_TEST_PG_URL" >&2
exit 1
