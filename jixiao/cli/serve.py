"""`jixiao samples` and `jixiao serve`: the web pages and the API (issue 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jixiao import upload_client
from jixiao.cli.common import (
    DataOption,
    encoder_factory,
    err,
    load_settings,
    open_store_or_exit,
    out,
)
from jixiao.cli.ingest import ingest


def bundled_samples() -> list[Path]:
    """The two sample tables shipped in the package (jixiao/samples: in a checkout a link to
    samples/); empty if they are not there."""
    folder = Path(__file__).resolve().parents[1] / "samples"  # jixiao/samples, beside jixiao/cli/
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def samples() -> None:
    """Where the two bundled sample tables are (a folder; `jixiao ingest` that folder to try jixiao)."""
    found = bundled_samples()
    if not found:
        err.print("[red]error:[/] no bundled samples in this installation", highlight=False)
        raise typer.Exit(1)
    out.print(str(found[0].parent), highlight=False, soft_wrap=True)


def serve(
    host: Annotated[
        str | None, typer.Option(help="address to listen on (default 127.0.0.1; env JIXIAO_HOST)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000; env JIXIAO_PORT)")] = None,
    data: DataOption = None,
) -> None:
    """The web pages (搜索, 项目, 指标, SPARQL), the JSON API and the SPARQL endpoint."""
    from api.app import create_app, run_server

    settings = load_settings(data)
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    store = open_store_or_exit(settings)
    empty = not store.documents()
    store.close()
    if empty:
        samples = bundled_samples()
        if not samples:
            err.print("[yellow]warning:[/] the data directory is empty and no bundled samples were found")
        else:
            err.print(
                f"数据目录为空，先导入自带样例 / the data directory {settings.data} is empty:"
                f" ingesting the {len(samples)} bundled sample tables first",
                highlight=False,
            )
            ingest(samples, layout=None, index=True, data=settings.data)
    err.print("loading the search model… / 正在加载模型", highlight=False)
    application = create_app(settings, encoder=encoder_factory(settings), preload_model=True)
    out.print(
        f"jixiao: http://{settings.host}:{settings.port}/  (SPARQL: /sparql, API docs: /docs)",
        highlight=False,
    )
    # Where it listens, for the hint `jixiao ingest` gives while it holds the store; removed as it stops.
    upload_client.record_server(settings.data, settings.host, settings.port)
    data_dir = settings.data
    run_server(
        application, settings, on_stop=lambda: upload_client.forget_server(data_dir)
    )  # SIGTERM stops it within seconds (SHUTDOWN_GRACE)
