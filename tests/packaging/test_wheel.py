"""The wheel, installed as a user installs it (issue 18): a fresh venv, the wheel and its
dependencies from the package index, and jixiao run from a folder outside the checkout.

The editable install of `make setup` hides a wheel that lacks a package or a data file (it did:
`jixiao.review` and the samples were missing); this test uses no file of the checkout at run time.
It takes a few minutes (the venv installs torch and the search stack), so it runs once, here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# torch first, pinned, as README's install does: an unpinned torch pulls GBs of CUDA packages.
TORCH = "torch==2.13.0"


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{tail}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "--no-deps", "--quiet", "-w", out, REPO], REPO, dict(os.environ))
    [built] = out.glob("jixiao-*.whl")
    return built


def test_the_wheel_holds_every_package_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for top in ("jixiao", "ontology", "ingest", "search", "api"):
        for source in (REPO / top).rglob("*.py"):
            assert source.relative_to(REPO).as_posix() in names, f"{source} is not in the wheel"
    data = [p for p in (REPO / "api").rglob("*") if p.is_file() and p.parent.name in ("static", "templates")]
    data += [p for p in (REPO / "ontology").rglob("*") if p.suffix in (".ttl", ".rq")]
    data += [REPO / "search" / "match_calibration.json"]
    for path in data:
        assert path.relative_to(REPO).as_posix() in names, f"{path} is not in the wheel"
    for sample in (REPO / "samples").glob("*.txt"):
        assert f"jixiao/samples/{sample.name}" in names
    assert not any(n.startswith("tests/") or n.startswith("bench/") for n in names)


def test_the_installed_wheel_ingests_searches_and_serves_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JIXIAO_DATA")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _run([bin_dir / "pip", "install", "--quiet", TORCH], outside, env)
    _run([bin_dir / "pip", "install", "--quiet", wheel], outside, env)

    jixiao = bin_dir / "jixiao"
    show = "import jixiao, api; print(jixiao.__file__, api.__file__)"
    where = _run([bin_dir / "python", "-c", show], outside, env)
    assert str(REPO) not in where  # the installed copy, not the checkout
    samples = Path(_run([jixiao, "samples"], outside, env).strip())
    assert str(REPO) not in str(samples) and len(list(samples.glob("*.txt"))) == 2

    data = tmp_path / "data"
    report = _run([jixiao, "ingest", "--data", data, samples], outside, env)
    assert "2 files: 2 ingested" in report
    found = _run([jixiao, "search", "--data", data, "村干部补贴", "--limit", "3"], outside, env)
    assert "村" in found

    port = _free_port()
    server = subprocess.Popen(
        [jixiao, "serve", "--data", data, "--port", str(port)],
        cwd=outside,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        health = ""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
                    health = answer.read().decode()
                    break
            except OSError:
                time.sleep(1)
        assert health, f"no /health answer; server said:\n{server.stdout.read() if server.stdout else ''}"
        answer_json = json.loads(health)
        assert answer_json["status"] == "ok" and answer_json["documents"] == 2
        assert answer_json["search"]["available"] and answer_json["search"]["entries"] > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=10) as css:
            assert css.status == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    shutil.rmtree(env_dir, ignore_errors=True)
