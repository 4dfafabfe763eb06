"""OpenMP's wait policy, set just before torch or faiss-cpu loads (each imports this first).

torch and faiss-cpu each bring their own OpenMP runtime; by default their idle threads spin, and
on a 2-core machine the two pools (and any other process) steal each other's time slices:
bench/RESULTS.md measured warm search p50 140-250 ms with spinning threads against 30 ms with
passive ones on a shared machine. A runtime reads the variable when it loads, so it is set here,
where the libraries are imported, rather than as a side effect of importing jixiao; a user's own
value wins.
"""

from __future__ import annotations

import os


def passive_threads() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


passive_threads()
