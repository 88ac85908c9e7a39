#!/bin/sh
# Start or stop one release of a project's service, detached from ansible.
#
#   service.sh start PID_FILE LOG_FILE RELEASE_DIR PYTHON PORT [NAME=VALUE ...]
#   service.sh stop  PID_FILE
#
# The service gets its own session (setsid) so it survives ansible-runner's pty
# and the worker that launched it; its pid is also its process group id, which
# lets `stop` take down anything the service spawned.
#
# The NAME=VALUE arguments are the service's whole environment (`env -i`): its
# code was written by a model, so it inherits nothing from ansible or the worker.
# Its secrets come on top from SERVICE_ENV_FILE when that file is there and not empty
# (adapters/deploy/env_file.py writes it); see LOAD_ENV below.
#
# For the same reason it does not run as root. `start` reads from its own environment
# SERVICE_UID (the project's uid, also its gid), SERVICE_MEMORY_MB, SERVICE_PIDS_MAX and
# SERVICE_OPEN_FILES, sets those limits with prlimit (NPROC counts per uid, which is why each
# project has its own), and drops to the uid with setpriv: no supplementary groups, no
# capabilities, no_new_privs.
set -eu

# A detached service is reaped by init, which may be slow (or absent in a
# container): a zombie counts as stopped.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ -r "/proc/$1/stat" ] || return 0
    state="$(sed 's/^.*) //' "/proc/$1/stat" | cut -c1)"
    [ "$state" != "Z" ]
}

# A pid file can outlive its process and the pid can be reused: only trust it
# when the process is alive and still looks like our service.
is_ours() {
    pid="$1"
    [ -n "$pid" ] || return 1
    alive "$pid" || return 1
    [ -r "/proc/$pid/cmdline" ] || return 0
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "server.py"
}

# Runs as the service's uid, so the secrets are read with its rights and never pass through
# an argv (/proc/<pid>/cmdline is readable by every user). -I: no PYTHON* variables and no
# current directory on sys.path, so a module planted in the release cannot run here. The
# file's NAME=value entries end with NUL and are taken literally: nothing is unquoted,
# unescaped or expanded. The variables set by the deploy win over a secret of the same name.
# It execs the service, so the service keeps the pid that setsid started.
LOAD_ENV='
import os, sys
path, argv = sys.argv[1], sys.argv[2:]
env = {}
with open(path, "rb") as source:
    for entry in source.read().split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if entry and not (sep and name):
            sys.exit("service.sh: an entry of " + path + " has no NAME=")
        if entry:
            env[name] = value
env.update(os.environb)
os.execvpe(argv[0], argv, env)
'

stop() {
    pid_file="$1"
    [ -f "$pid_file" ] || { echo "not running (no pid file)"; return 0; }
    pid="$(cat "$pid_file" 2>/dev/null || true)"
    if ! is_ours "$pid"; then
        echo "not running (stale pid ${pid:-none})"
        rm -f "$pid_file"
        return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    # Wait so the port is free before the next release binds it.
    i=0
    while alive "$pid" && [ "$i" -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if alive "$pid"; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$pid_file"
    echo "stopped $pid"
}

start() {
    pid_file="$1" log_file="$2" release_dir="$3" python="$4" port="$5"
    shift 5
    uid="${SERVICE_UID:?SERVICE_UID is not set}"
    env_file="${SERVICE_ENV_FILE:-}"
    # Whatever still runs of the project goes first (its port must be free), then the tree
    # and the release get their owners: one command where ansible ran four modules.
    stop "$pid_file" >/dev/null
    if [ -n "${SERVICE_PROJECT_ROOT:-}" ]; then
        "$(dirname "$0")/tree.sh" confine "$SERVICE_PROJECT_ROOT" "$uid" "$release_dir"
    fi
    # No supplementary groups, no capability in any set, and no_new_privs so that a setuid
    # binary cannot hand root back.
    drop="setpriv --reuid=$uid --regid=$uid --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --"
    mkdir -p "$(dirname "$pid_file")" "$(dirname "$log_file")"
    cd "$release_dir"
    # Checked as the service's uid, so a release it cannot reach fails here, plainly.
    # An absolute path: a relative one would pass even where the ancestors are out of reach.
    if ! $drop "$python" -c 'import sys; open(sys.argv[1]).close()' "$release_dir/server.py" \
        2>/dev/null; then
        echo "uid $uid cannot run $python on $release_dir/server.py: the interpreter and" \
            "every directory above the release must be reachable by other users" >&2
        exit 1
    fi
    if [ -n "$env_file" ] && [ -s "$env_file" ]; then
        if ! $drop "$python" -I -c 'open(__import__("sys").argv[1], "rb").close()' "$env_file" \
            2>/dev/null; then
            echo "uid $uid cannot read its secrets in $env_file" >&2
            exit 1
        fi
        set -- "$@" "$python" -I -c "$LOAD_ENV" "$env_file" "$python" server.py --port "$port"
    else
        set -- "$@" "$python" server.py --port "$port"
    fi
    # Each program execs the next, so $! is the service's own pid (stop() relies on it).
    # stdin/stdout/stderr must not be ansible's pipes, or ansible waits for them to close;
    # the log is opened here, by root, in a directory the service cannot enter.
    # shellcheck disable=SC2086  # $drop is a word list on purpose
    setsid nohup prlimit --as=$((SERVICE_MEMORY_MB * 1024 * 1024)) \
        --nproc="$SERVICE_PIDS_MAX" --nofile="$SERVICE_OPEN_FILES" -- \
        $drop env -i "$@" >>"$log_file" 2>&1 </dev/null &
    pid=$!
    echo "$pid" > "$pid_file"
    # A service that dies at once (bad config, import error) is reported here with its log;
    # one that dies later, by the health check (files/health_check.py), which watches the pid.
    sleep 0.1
    if ! alive "$pid"; then
        echo "release in $release_dir exited at start; last log lines:" >&2
        # What it said, not its stack: a traceback's frames are indented or start it.
        grep -v -e '^Traceback ' -e '^  ' "$log_file" | tail -n 3 >&2
        rm -f "$pid_file"
        exit 1
    fi
    echo "started $pid on port $port"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    start) [ $# -ge 5 ] || { echo "usage: $0 start PID_FILE LOG_FILE RELEASE_DIR PYTHON PORT [NAME=VALUE ...]" >&2; exit 2; }; start "$@" ;;
    stop) [ $# -eq 1 ] || { echo "usage: $0 stop PID_FILE" >&2; exit 2; }; stop "$@" ;;
    *) echo "usage: $0 start|stop ..." >&2; exit 2 ;;
esac
