"""Settings: the one place Cartwise reads configuration from.

Values come from (highest first) explicit arguments, environment variables with the prefix
``CARTWISE_``, a ``.env`` file in the working directory, and the defaults below. Nothing else in
the package reads the environment. Secrets are :class:`~pydantic.SecretStr` and never logged.

Folders default to one project-local folder, ``home`` (``./.cartwise``): demo data goes to
``home/demo`` and built artifacts to ``home/store``, so the commands work with no arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cartwise.errors import ConfigError

Layout = Literal["auto", "instacart", "transactions"]
ChatProvider = Literal["offline", "openai", "openai_compatible"]


class Settings(BaseSettings):
    """Every setting Cartwise reads. See ``.env.example`` for one line per setting."""

    model_config = SettingsConfigDict(
        env_prefix="CARTWISE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # --- folders -------------------------------------------------------------------------
    home: Path = Field(Path(".cartwise"), description="Project-local folder for data and store.")
    data_dir: Path | None = Field(None, description="Input data folder (default: HOME/demo).")
    store_dir: Path | None = Field(None, description="Model store folder (default: HOME/store).")
    layout: Layout = Field("auto", description="Input layout; 'auto' detects it from the files.")
    funnel_dir: Path | None = Field(
        None, description="Folder of the funnel tables (default: the data folder or its funnel/)."
    )

    # --- demo data -----------------------------------------------------------------------
    demo_users: int = Field(2000, ge=1, description="Shoppers in the generated demo data.")
    demo_products: int = Field(3000, ge=20, description="Products in the demo's own catalogue.")
    demo_seed: int = Field(42, description="Seed of the demo generator.")
    demo_catalog: Path | None = Field(
        None, description="Draw demo products from this Instacart catalogue folder instead."
    )

    # --- models and providers ------------------------------------------------------------
    embedding_model: str | None = Field(
        None, description="sentence-transformers model name or path (default: the packaged one)."
    )
    chat_provider: ChatProvider = Field("offline", description="Which chat model answers.")
    chat_model: str = Field("gpt-4o-mini", description="Model name for the LLM providers.")
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("CARTWISE_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="Key for the openai provider (also read from OPENAI_API_KEY).",
    )
    openai_base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1)."
    )
    qdrant_url: str | None = Field(None, description="Qdrant server URL; unset = embedded index.")
    qdrant_api_key: SecretStr | None = Field(None, description="API key of the Qdrant server.")

    # --- logging -------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO")

    @model_validator(mode="after")
    def _fill_folders(self) -> Settings:
        if self.data_dir is None:
            self.data_dir = self.home / "demo"
        if self.store_dir is None:
            self.store_dir = self.home / "store"
        return self

    @property
    def data_path(self) -> Path:
        """The input data folder (or file), never None after validation."""
        assert self.data_dir is not None
        return self.data_dir

    @property
    def store_path(self) -> Path:
        """The model store folder, never None after validation."""
        assert self.store_dir is not None
        return self.store_dir


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, ``.env`` and ``overrides`` (which win).

    Raises:
        ConfigError: a value is invalid (naming the setting).

    A new object each call: nothing is cached at import time, so tests can point settings
    anywhere with environment variables or arguments.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid setting(s): {problems}") from exc
