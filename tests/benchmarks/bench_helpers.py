"""Helpers of the benchmarks (a plain module: conftest files are not importable by name)."""

from __future__ import annotations

import subprocess
import sys

N_LARGE = 1_000_000


def run_measured(args: list[str]) -> dict[str, float]:
    """Run a command in a child process; return its peak RSS in MiB."""
    code = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(done.returncode)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return {"peak_rss_mib": int(done.stdout.strip().splitlines()[-1]) / 1024}
