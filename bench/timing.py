# SPDX-License-Identifier: MIT
"""What the benchmarks share: one command timed, with its peak RSS."""
import os
import subprocess
import tempfile
import time
from pathlib import Path

TIME = "/usr/bin/time"  # GNU time (Debian's time package)


def timed(argv, cwd=None, timeout=600, prefix=()):
    """(seconds, peak RSS in KiB, returncode, output) of @argv, run as
    @prefix + GNU time + @argv (a prefix such as `ip netns exec NS` then
    runs time inside the namespace). GNU time reports the RSS (wait4's
    ru_maxrss: the largest process of the tree it waited for); a child
    forked from this Python would carry Python's own RSS into the
    figure."""
    fd, path = tempfile.mkstemp(prefix="rss-")
    os.close(fd)
    try:
        t0 = time.perf_counter()
        cp = subprocess.run(list(prefix) + [TIME, "-q", "-f", "%M", "-o",
                                            path] + list(argv),
                            cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=timeout)
        dt = time.perf_counter() - t0
        text = Path(path).read_text().split()
    finally:
        os.unlink(path)
    rss = int(text[-1]) if text and text[-1].isdigit() else 0
    return dt, rss, cp.returncode, cp.stdout.decode(errors="replace")
