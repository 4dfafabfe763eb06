"""What the notebooks here share: a data directory to work on, results as DataFrames, a local
SPARQL endpoint, and Chinese-capable plots.

`data_settings()` uses the data directory named by `JIXIAO_DATA` when that is set; otherwise it
ingests the two bundled sample tables into a temporary directory that lasts as long as the kernel.
Nothing here downloads anything.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
from rdflib import Literal
from rdflib.query import Result

from jixiao.settings import Settings
from jixiao.store import StoreError, open_store

# bm25s imports tqdm.auto, which warns in a kernel without ipywidgets; the text progress bar is fine.
warnings.filterwarnings("ignore", message="IProgress not found")

# Installed CJK fonts matplotlib may find, most common first (Debian: fonts-wqy-microhei,
# fonts-noto-cjk; Windows: SimHei, Microsoft YaHei; macOS: PingFang SC).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)

_temporary: list[tempfile.TemporaryDirectory[str]] = []  # removed when the kernel exits


@cache
def data_settings(index: bool = False) -> Settings:
    """Settings for `JIXIAO_DATA` if it is set, else for the bundled samples in a temporary directory.

    `index=True` also builds the search index of the samples (with the real model, offline). The
    ontology's terms are put into the store either way: the cookbook's queries read category labels.
    """
    from ingest.iri import IriMinter
    from ingest.pipeline import ingest_file
    from jixiao.cli.serve import bundled_samples
    from search.encoder import load_encoder
    from search.sync import sync

    given = os.environ.get("JIXIAO_DATA", "").strip()
    if given:
        settings = Settings(data=Path(given).expanduser())
        if not settings.store_dir.is_dir():
            raise FileNotFoundError(
                f"JIXIAO_DATA={given} holds no store: run `jixiao ingest FILES --data {given}` first,"
                " or unset JIXIAO_DATA to use the bundled samples"
            )
        try:
            store = open_store(settings)
        except StoreError as exc:
            raise StoreError(
                f"{exc}\nAnother process holds the store (a running `jixiao serve`?): stop it, or query"
                " its /sparql endpoint as 01-getting-started shows."
            ) from None
        store.install_ontology()
        store.close()
        print(f"数据目录 data directory: {settings.data} (JIXIAO_DATA)")
        return settings

    folder = tempfile.TemporaryDirectory(prefix="jixiao-notebook-")
    _temporary.append(folder)
    settings = Settings(data=Path(folder.name))
    store = open_store(settings)
    try:
        minter = IriMinter(settings.base_iri)
        for path in bundled_samples():
            done = ingest_file(path, store, minter, None)
            print(f"导入样例 ingested {path.name}: {done.projects} projects, {done.indicators} indicators")
        store.install_ontology()
        if index:
            report = sync(store, settings, lambda: load_encoder(settings), full=True)
            print(f"建立检索索引 search index: {report.embedded} distinct texts embedded")
    finally:
        store.close()
    print(f"数据目录 data directory: {settings.data} (temporary; set JIXIAO_DATA to use your own)")
    return settings


def to_frame(result: Result) -> pd.DataFrame:
    """A SPARQL SELECT result as a DataFrame: numbers as numbers, IRIs and text as str, unbound as None."""

    def value(term: object) -> object:
        if term is None:
            return None
        if isinstance(term, Literal):
            python = term.toPython()
            if isinstance(python, Decimal):
                return float(python)
            return str(python) if isinstance(python, Literal) else python
        return str(term)

    columns = [str(var) for var in result.vars or []]
    return pd.DataFrame([[value(term) for term in row] for row in result], columns=columns)


@dataclass
class Server:
    """`jixiao serve` in a child process, on 127.0.0.1 and a free port."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.unlink(missing_ok=True)


def start_server(settings: Settings, timeout: float = 60) -> Server:
    """Start `jixiao serve` on the data directory and wait until it answers. It opens the store
    itself, so close yours first (one process at a time). Stopped at the latest when the kernel exits."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = Path(tempfile.mkstemp(prefix="jixiao-serve-", suffix=".log")[1])
    command = [sys.executable, "-c", "from jixiao.cli import app; app()"]
    command += ["serve", "--data", str(settings.data), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    atexit.register(server.stop)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    output = log.read_text(encoding="utf-8", errors="replace")
    server.stop()
    raise RuntimeError(f"jixiao serve did not start:\n{output}")


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese with the first installed CJK font; None (and no glyph warnings)
    when there is none, in which case Chinese labels show as boxes."""
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            plt.rcParams["font.family"] = "sans-serif"
            plt.rcParams["font.sans-serif"] = [name, *plt.rcParams["font.sans-serif"]]
            plt.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212 MINUS SIGN
            return name
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    return None
