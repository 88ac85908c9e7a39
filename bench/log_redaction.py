"""What masking the secret store's values costs per log line.

    .venv/bin/python -m bench.log_redaction [--lines 20000]

Formats a typical worker log line through the real logging set-up (core.logging) into a
string, with 0, 10, 100 and 1000 known values, and prints microseconds per line.
"""

from __future__ import annotations

import argparse
import io
import logging
import time
import uuid

from rich.console import Console
from rich.table import Table

from core.known_secrets import KNOWN_SECRETS
from core.logging import configure_logging

_LINE = "%s: step %d: run_command python3 -m unittest discover -s tests -v (exit code 0)"


def per_line_us(lines: int) -> float:
    log = logging.getLogger("bench.redaction")
    started = time.perf_counter()
    for n in range(lines):
        log.info(_LINE, "health", n)
    return (time.perf_counter() - started) / lines * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()
    configure_logging(stream=io.StringIO())
    per_line_us(args.lines)  # warm-up: the first lines pay for caches and allocations
    table = Table("known values", "µs per log line")
    known = 0
    for target in (0, 10, 100, 1000):
        for _ in range(target - known):
            KNOWN_SECRETS.add(uuid.uuid4().hex, f"secret://bench/V{known}")
            known += 1
        table.add_row(str(target), f"{per_line_us(args.lines):.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
