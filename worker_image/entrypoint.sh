#!/bin/sh
# The worker container's entrypoint. With no command the container idles, ready for the
# sandbox to run commands in it with `docker exec` (a warm-pool container waits like this);
# with one, it runs it. It never reads orchestrator settings: the sandbox passes none in.
set -eu
if [ "$#" -eq 0 ]; then
  # sleep as PID 1 ignores SIGTERM; the sandbox removes the container with a kill anyway.
  exec sleep infinity
fi
exec "$@"
