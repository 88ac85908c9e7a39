#!/usr/bin/env bash
# A local Docker engine for the tests and the demo, on a machine that has docker.io installed
# but no engine running: `scripts/dockerd.sh start|stop|status|env`.
#
# Everything lives outside the clone (ORCHESTRATOR_DOCKER_ROOT, default
# /var/lib/orchestrator-docker), so images built once are reused by every run on the machine.
# The engine gets its own socket, not /var/run/docker.sock: it never takes over (or collides
# with) a system engine. It touches no host networking (--iptables=false, no bridge): the
# sandbox runs with --network none.
# Storage: overlay2 where the kernel and filesystem allow it (a container starts in ~0.3 s),
# else vfs, which works everywhere but copies the whole image per container (~8 s for 500 MB).
# ORCHESTRATOR_DOCKER_STORAGE picks one. Each driver keeps its own data root.
set -euo pipefail

ROOT="${ORCHESTRATOR_DOCKER_ROOT:-/var/lib/orchestrator-docker}"
SOCKET="$ROOT/docker.sock"
PID_FILE="$ROOT/dockerd.pid"
LOG="$ROOT/dockerd.log"
HOST="unix://$SOCKET"

ours() {  # the pid in the file, if it is still a dockerd serving our socket
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "dockerd .*-H $HOST" \
    && echo "$pid"
}

answers() {
  curl -sf --unix-socket "$SOCKET" http://engine/_ping >/dev/null 2>&1
}

start() {
  if ours >/dev/null && answers; then
    echo "DOCKER_HOST=$HOST"
    return
  fi
  command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install -y docker.io" >&2; exit 1; }
  local driver
  for driver in ${ORCHESTRATOR_DOCKER_STORAGE:-overlay2 vfs}; do
    launch "$driver" && return
  done
  echo "dockerd did not start; see $LOG" >&2
  exit 1
}

launch() {  # start dockerd with storage driver $1; true once it answers
  local pid
  mkdir -p "$ROOT/data-$1" "$ROOT/exec"
  # A dead engine's pid file and socket (kill -9, reboot) would only confuse the next start.
  rm -f "$SOCKET" "$PID_FILE"
  setsid dockerd -H "$HOST" --iptables=false --ip-masq=false --bridge=none \
    --storage-driver="$1" --data-root "$ROOT/data-$1" --exec-root "$ROOT/exec" \
    --pidfile "$ROOT/dockerd.own.pid" >>"$LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  for _ in $(seq 1 150); do
    if answers; then
      echo "DOCKER_HOST=$HOST"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "dockerd refused storage driver $1" >&2; return 1; }
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  return 1
}

stop() {
  local pid
  if ! pid="$(ours)"; then
    echo "no engine of ours is running"
    rm -f "$PID_FILE"
    return
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; echo "stopped (pid $pid)"; return; }
    sleep 0.1
  done
  echo "dockerd (pid $pid) did not stop in 15 s; killing it" >&2
  kill -KILL "$pid"
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if ours >/dev/null && answers; then echo "running: DOCKER_HOST=$HOST"; else echo "not running"; exit 1; fi ;;
  env) echo "DOCKER_HOST=$HOST" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
