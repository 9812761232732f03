"""Settings from the environment (PAPERCLERK_ prefix) with safe defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings; every value can be set as PAPERCLERK_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PAPERCLERK_")

    max_bytes: int = Field(50 * 1024 * 1024, description="Largest accepted input file.")
    max_pages: int = Field(50, description="Most pages processed from one document.")
    max_pixels: int = Field(60_000_000, description="Largest page area in pixels (bomb guard).")
    max_document_pixels: int = Field(
        200_000_000,
        ge=1,
        description="Most pixels rendered for one PDF, all pages together; larger pages are "
        "rendered at a lower DPI so the document stays under it.",
    )
    render_dpi: int = Field(200, description="DPI for rendering scanned PDF pages.")
    ocr_engine: str = Field("rapid", description="Default OCR engine: 'rapid' or 'tesseract'.")
    ocr_threads: int = Field(0, description="Threads for the OCR engine; 0 means all cores.")
    blob_store: Literal["folder", "database"] = Field(
        "folder",
        description=(
            "Where originals and page images are kept: 'folder' (`<data dir>/blobs`) or"
            " 'database' (the `blobs` table), so worker machines need only the database URL."
        ),
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "paperclerk",
        description="Where OCR results of training documents are cached between runs.",
    )
    data_dir: Path = Field(Path("paperclerk-data"), description="Where paperclerk keeps its data.")
    model_dir: Path | None = Field(
        None, description="Model registry folder; `<data_dir>/models` when unset."
    )
    public_url: str = Field(
        "", description="Base URL the API is reached at, for links in webhook bodies."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the app database; `<data_dir>/paperclerk.db` when unset.",
    )
    secret_key: str | None = Field(
        None,
        description="Key that signs review UI session cookies; `<data_dir>/secret_key` when unset.",
    )

    webhook_allow_hosts: str = Field(
        "",
        description="Comma-separated host names, addresses or networks (CIDR) webhooks may "
        "target although they are loopback, private or otherwise not public.",
    )
    metrics_token: str | None = Field(
        None,
        description="Bearer token `/metrics` asks for; unset, only loopback clients get it.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed logins of one account within `login_lockout_s` that lock it; "
        "four times as many from one client address lock that address.",
    )
    login_lockout_s: int = Field(
        900, ge=1, description="Seconds a locked account or address waits (also the window)."
    )
    max_queue_depth: int = Field(
        10_000,
        ge=0,
        description="Queued jobs above which `POST /v1/documents` answers 429 with Retry-After.",
    )
    worker_memory_mb: int = Field(
        6_000,
        ge=0,
        description="Address space a worker process may use, in MB (RLIMIT_AS); a document "
        "that needs more fails with `limit_exceeded`; 0: no limit.",
    )

    @property
    def registry_dir(self) -> Path:
        """The model registry folder."""
        return self.model_dir or self.data_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of this process, read once from the environment."""
    return Settings()
