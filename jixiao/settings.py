"""The one typed settings object, read once from the environment (JIXIAO_*) and CLI flags."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    # The user's data dir (XDG on Linux, %LOCALAPPDATA% on Windows), so a first command works
    # from any folder and every later command finds the same store.
    return Path(platformdirs.user_data_dir("jixiao", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore")

    data: Path = Field(default_factory=default_data_dir, description="data directory: store, indexes, caches")
    base_iri: str = Field(
        default="https://w3id.org/jixiao/id/",
        description="base IRI under which units, projects and indicators are minted",
    )

    @property
    def store_dir(self) -> Path:
        return self.data / "store"


def load_settings(data: Path | None = None) -> Settings:
    """Settings from the environment, with an explicit data directory (e.g. `--data`) taking precedence."""
    if data is not None:
        return Settings(data=data)
    return Settings()
