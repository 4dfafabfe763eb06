"""jixiao 绩效: the CLI, settings and store."""

import os

# torch and faiss-cpu each bring their own OpenMP runtime; by default their idle threads spin, and
# on a 2-core machine the two pools (and any other process) steal each other's time slices:
# bench/RESULTS.md measured warm search p50 140-250 ms with spinning threads against 30 ms with
# passive ones on a shared machine. Set before either library loads; a user's own value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
