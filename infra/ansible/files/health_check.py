"""Wait until a release answers 200 on its health URL.

    python3 -c <this file> URL TIMEOUT_S [PID_FILE LOG_FILE]

One module run that polls inside, asking soon after the start and then less often (0.05 s,
doubling up to 0.5 s), where `uri` with `until` ran a whole module per attempt. With the pid
file and the log, a release that died is reported at once with its last log lines, instead of
after the whole timeout. The playbook hands this file's text to the interpreter
(tasks/start_and_check.yml), so nothing is copied to a server first; the standard library
only. Proxies from the environment are ignored (a check of a local port must not go through
one). On failure it exits 1 with the reason on stderr, which the playbook reports.
"""

from __future__ import annotations  # a server's older Python reads the annotations too

import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

FIRST_WAIT_S, LONGEST_WAIT_S, REQUEST_TIMEOUT_S = 0.05, 0.5, 2.0


def answer(opener: urllib.request.OpenerDirector, url: str) -> str:
    """'' when healthy, otherwise what came back instead, in words."""
    try:
        with opener.open(url, timeout=REQUEST_TIMEOUT_S) as response:
            return "" if response.status == 200 else f"Status code was {response.status}"
    except urllib.error.HTTPError as err:
        return f"Status code was {err.code}"
    except OSError as err:
        reason = getattr(err, "reason", err)
        return f"No answer: {getattr(reason, 'strerror', None) or reason}"


def exited(pid_file: Path) -> bool:
    """The service of the pid file is gone (or a zombie), as service.sh's `alive` sees it."""
    try:
        stat = Path(f"/proc/{int(pid_file.read_text())}/stat").read_text()
    except (OSError, ValueError):
        return True
    return stat.rsplit(") ", 1)[-1][:1] == "Z"


def last_lines(log_file: Path) -> str:
    """What it said, not its stack: a traceback's frames are indented or start it."""
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    said = [line for line in lines if not line.startswith(("Traceback ", "  "))]
    return "\n".join(said[-3:])


def main(url: str, timeout_s: float, pid_file: Path | None, log_file: Path | None) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    wait = FIRST_WAIT_S
    while last := answer(opener, url):
        if pid_file is not None and log_file is not None and exited(pid_file):
            sys.stderr.write(f"the release exited; last log lines:\n{last_lines(log_file)}\n")
            return 1
        if time.monotonic() + wait > deadline:
            sys.stderr.write(f"{last} (asked for {timeout_s:g} s)\n")
            return 1
        time.sleep(wait)
        wait = min(wait * 2, LONGEST_WAIT_S)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    files = [Path(a) for a in args[2:4]] if len(args) >= 4 else [None, None]
    sys.exit(main(args[0], float(args[1]), files[0], files[1]))
