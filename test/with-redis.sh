#!/bin/sh
# Runs a command next to a throwaway redis-server: on a free loopback port,
# saving nothing to disk, its files in a temporary folder, stopped and
# removed when the command ends. The command finds it in
# BROKERAUTH_TEST_REDIS (redis://127.0.0.1:<port>). DEBUG is allowed from
# loopback, so that tests can restart the server mid-run (DEBUG RESTART).
set -eu
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
dir=$(mktemp -d "${TMPDIR:-/tmp}/redis.XXXXXX")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --enable-debug-command local --logfile "$dir/redis.log" &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM
i=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then echo "redis-server did not start: $(cat "$dir/redis.log" 2>/dev/null)" >&2; exit 1; fi
  sleep 0.05
done
BROKERAUTH_TEST_REDIS="redis://127.0.0.1:$port" "$@"
