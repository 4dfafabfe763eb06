"""OMP_WAIT_POLICY is set where torch and faiss load, not by importing jixiao (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import os, sys; {imports}; print(os.environ.get('OMP_WAIT_POLICY'), 'faiss' in sys.modules)"


def _probe(imports: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | env
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)], env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        ("import jixiao, jixiao.settings, ingest.pipeline", "None False"),  # no side effect
        ("import search.vectors", "PASSIVE True"),  # set before faiss loaded
        ("import search.encoder", "PASSIVE False"),  # torch itself loads later, lazily
    ],
)
def test_the_wait_policy_is_set_where_openmp_runtimes_load(imports: str, expected: str) -> None:
    assert _probe(imports) == expected


def test_a_users_own_wait_policy_wins() -> None:
    assert _probe("import search.vectors", OMP_WAIT_POLICY="ACTIVE") == "ACTIVE True"
