#!/bin/sh
# The worker container's entrypoint. With no command the container idles, ready for the
# sandbox to run commands in it with `docker exec` (a warm-pool container waits like this);
# `agent COMMAND` runs an external coding agent (SANDBOX_AGENT_COMMAND, its prompt already
# in it) in the work tree; anything else it runs as given. It never reads orchestrator
# settings: the sandbox passes none in (an agent's run gets its model key, and only that).
set -eu
if [ "$#" -eq 0 ]; then
  # sleep as PID 1 ignores SIGTERM; the sandbox removes the container with a kill anyway.
  exec sleep infinity
fi
if [ "$1" = agent ]; then
  [ "$#" -eq 2 ] || { echo "usage: entrypoint.sh agent 'COMMAND'" >&2; exit 2; }
  cd /workspace
  # The work tree's .git is read-only in here: the orchestrator commits what the agent leaves.
  exec /bin/sh -c "$2"
fi
exec "$@"
