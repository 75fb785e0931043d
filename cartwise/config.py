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
    catalog_dir: Path | None = Field(
        None, description="Folder of the Instacart catalogue (products.csv, aisles.csv, "
        "departments.csv) when the data folder holds only baskets (default: the data folder).",
    )
    currency: str | None = Field(
        None, min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$",
        description="ISO 4217 code of the data's prices (e.g. GBP); default: what the data "
                    "says (USD for the demo), else unknown (amounts shown without a symbol).",
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

    # --- retrieval -----------------------------------------------------------------------
    vector_store: Literal["auto", "embedded", "qdrant_server"] = Field(
        "auto", description="Product index: 'embedded' (Qdrant Edge in the store), "
        "'qdrant_server' (at qdrant_url), 'auto' = the server if qdrant_url is set.",
    )
    qdrant_collection: str = Field(
        "cartwise_products", min_length=1, description="Alias of the product collection on the "
        "Qdrant server (each build fills a new collection and switches the alias).",
    )
    embedding_batch_size: int = Field(64, ge=1, le=4096, description="Texts per model batch.")
    embedding_threads: int | None = Field(
        None, ge=1, description="Worker threads for embedding products (default: CPU cores).",
    )
    embedding_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="Batch embedding precision; 'auto' = bfloat16 where the CPU has it.",
    )
    embedding_query_runtime: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="What embeds search queries; 'auto' = ONNX Runtime when installed "
        "(2-3x faster for one query, same vectors), else PyTorch.",
    )
    search_candidates: int = Field(
        50, ge=5, le=1000, description="Candidates each retriever (dense, words, trigrams) "
        "passes to the fusion.",
    )
    search_rerank: bool = Field(
        True, description="Re-rank search candidates by the agreement of the pool (on the "
        "product's aisle, or in embedding space) and the dense similarity; false = fused and "
        "name scores only.",
    )
    search_pool: int = Field(
        100, ge=5, le=1000, description="Fused search candidates re-ranked per query.",
    )
    search_pool_popularity: float = Field(
        3.0, ge=0, le=100, description="How much more a candidate's popularity (log order lines, "
        "0..1 of the pool's most ordered product) weighs in the pool's agreement on an aisle: "
        "its weight is multiplied by 1 + this; 0 = popularity plays no part.",
    )
    search_aisle_weight: float = Field(
        0.4, ge=0, le=10, description="Weight of the query's closeness to a candidate's aisle "
        "(cosine with the centroid of the aisle's product embeddings) in the re-ranking score of "
        "descriptive queries (no candidate name matches the query well); 0 = off. Catalogues "
        "without aisles have no such term.",
    )
    search_aisle_temperature: float = Field(
        0.05, gt=0, le=10, description="How sharply the aisle closeness falls off: exp((cosine "
        "- best aisle's cosine) / this).",
    )
    search_close_dense: float = Field(
        0.5, ge=-1, le=1, description="A search hit is a close match when the cosine of its "
        "embedding and the query's is at least this, or its name similarity reaches "
        "search_close_name.",
    )
    search_close_name: float = Field(
        0.5, ge=0, le=1, description="Query/name similarity (0..1) that makes a search hit a "
        "close match.",
    )
    product_match_threshold: float = Field(
        0.6, ge=0, le=1, description="Product names resolved with less confidence are 'not "
        "found' (the closest names are offered).",
    )

    # --- recommendations -----------------------------------------------------------------
    als_factors: int = Field(64, ge=2, le=1024, description="ALS latent factors.")
    als_regularization: float = Field(0.05, ge=0, description="ALS L2 regularisation.")
    als_alpha: float = Field(2.0, gt=0, description="ALS confidence scale.")
    als_iterations: int = Field(15, ge=1, le=200, description="ALS sweeps.")
    als_spend_weight: float = Field(
        0.5, ge=0, description="Exponent of the spending ratio in ALS confidence (0 = off)."
    )
    als_quantity_weight: float = Field(
        0.5, ge=0, description="Exponent of the quantity ratio in ALS confidence (0 = off)."
    )
    itemcf_neighbours: int = Field(100, ge=1, description="Neighbours kept per item (item-CF).")
    itemcf_spend_weight: float = Field(0.5, ge=0, description="Spending weight in item-CF.")
    popularity_half_life_days: float | None = Field(
        None, gt=0, description="Recency half-life of popularity in days (unset = no decay)."
    )
    hybrid_weights: str | None = Field(
        None,
        description="Fixed hybrid weights, e.g. 'als=0.4,item_cf=0.4,popularity=0.2' "
        "(unset = chosen on a validation split at build time).",
    )
    rec_pool: int = Field(200, ge=10, le=5000, description="Candidates per model before re-rank.")
    rec_cycle_rule: bool = Field(
        True, description="The repurchase-cycle ('not due yet') rule: false switches it off "
        "(the only way to; the tolerance never does)."
    )
    rec_cycle_tolerance: float | None = Field(
        None, gt=0, description="Skip a regular item due in less than this x its usual interval "
        "(> 0; unset = chosen on a validation split at build time among 0.25, 0.5 and 1)."
    )
    rec_budget_tolerance: float = Field(
        1.5, gt=0, description="Budget = this x the shopper's average item price."
    )
    rec_over_budget_weight: float = Field(
        0.5, ge=0, le=1, description="Score multiplier of items over budget (0 drops them)."
    )
    rec_upsell: float = Field(0.0, ge=0, description="Boost of pricier items (0 = off).")
    rec_confidence_prior: float = Field(
        2.0, gt=0, description="Doubt every recommendation starts with, in purchases: its "
        "confidence is weighed by n / (n + this) for n purchases (or orders) behind it."
    )

    # --- analytics -----------------------------------------------------------------------
    analytics_min_support: float = Field(
        1e-5, ge=0.0, le=1.0,
        description="Bought-together pairs need this support (share of baskets holding both).",
    )
    analytics_min_pair_count: int = Field(
        5, ge=1, description="Bought-together pairs need at least this many shared baskets."
    )
    analytics_min_pair_shoppers: int = Field(
        3, ge=1, description="Bought-together pairs need at least this many distinct shoppers "
        "who bought both in one basket."
    )
    analytics_pair_fdr: float = Field(
        0.05, gt=0.0, le=1.0, description="Bought-together pairs need a Benjamini-Hochberg q "
        "value (hypergeometric test over every pair tested) at most this; 1 = no test."
    )
    analytics_top_partners: int = Field(
        50, ge=1, le=1000, description="Bought-together partners kept per product by the "
        "build (the strongest first; tools serve at most this many)."
    )
    analytics_kmeans_min_k: int = Field(2, ge=2, le=20, description="Smallest K-means k tried.")
    analytics_kmeans_max_k: int = Field(6, ge=2, le=20, description="Largest K-means k tried.")
    analytics_kmeans_sample: int = Field(
        10_000, ge=100, description="K-means is fitted on a seeded sample of this many shoppers."
    )
    analytics_seed: int = Field(42, ge=0, description="Seed of K-means and its samples.")
    analytics_churn_mid_ratio: float = Field(
        2.0, gt=0, description="Days away / expected gap between orders at which churn risk = 0.5."
    )
    analytics_churn_prior_gaps: float = Field(
        2.0, ge=0, description="Weight (in gaps) of the population's usual gap in a shopper's own."
    )
    analytics_churn_medium: float = Field(0.4, gt=0, lt=1, description="Churn risk: medium from.")
    analytics_churn_high: float = Field(0.7, gt=0, lt=1, description="Churn risk: high from.")
    analytics_churn_lost_ratio: float = Field(
        6.0, gt=1, description="Away this many expected gaps = lost, left out of at-risk lists."
    )
    analytics_churn_value_quantile: float = Field(
        0.5, ge=0, lt=1, description="At-risk lists keep shoppers whose value is >= this quantile."
    )
    analytics_ltv_horizon_days: int = Field(
        365, ge=1, le=3650, description="Lifetime value projects this many days ahead."
    )
    analytics_churn_horizon_days: int = Field(
        365, ge=1, le=3650, description="Churn risk (repeat-buying model) = the chance of no "
        "visit in this many days."
    )
    analytics_clv_min_shoppers: int = Field(
        50, ge=2, description="The repeat-buying model (BG/NBD + Gamma-Gamma) is fitted only "
        "with this many shoppers with a visit; below, the usual-gap fallback is used."
    )

    @model_validator(mode="after")
    def _check_analytics(self) -> Settings:
        if self.analytics_kmeans_min_k > self.analytics_kmeans_max_k:
            raise ValueError("analytics_kmeans_min_k must be <= analytics_kmeans_max_k")
        if self.analytics_churn_medium >= self.analytics_churn_high:
            raise ValueError("analytics_churn_medium must be < analytics_churn_high")
        return self

    # --- agent and sessions ----------------------------------------------------------------
    sessions: Literal["sqlite", "memory", "postgres"] = Field(
        "sqlite", description="Where chat sessions are kept (sqlite survives restarts)."
    )
    sessions_path: Path | None = Field(
        None, description="SQLite file of the sessions (default: STORE/sessions.sqlite)."
    )
    sessions_url: SecretStr | None = Field(
        None, description="PostgreSQL URL of the sessions when sessions=postgres."
    )
    chat_context_messages: int = Field(
        40, ge=4, le=1000, description="Most recent messages a chat model reads per turn."
    )
    chat_keep_messages: int = Field(
        400, ge=10, le=100_000, description="Messages a session keeps; older ones are dropped."
    )
    chat_max_chars: int = Field(
        4000, ge=10, le=100_000, description="Longest chat message accepted, in characters."
    )
    chat_grounding: Literal["remove", "flag", "off"] = Field(
        "remove", description="LLM replies naming products/users no tool returned: remove the "
        "statements, only flag them in the trace, or do not check."
    )
    chat_timeout: float = Field(60.0, gt=0, description="Seconds an LLM request may take.")
    chat_turn_wait: float = Field(
        30.0, ge=0, description="Seconds a chat turn waits for the same session's running turn "
        "(turns of one session run one at a time), then 409.")

    # --- server, UI, Slack -------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `cartwise serve` listens on.")
    port: int = Field(8000, ge=0, le=65535, description="Port `cartwise serve` listens on.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (JSON list); none = same origin."
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token of POST /admin/retrain; unset = the endpoint is disabled."
    )
    warm_wait: float = Field(
        60.0, ge=0, le=3600, description="Seconds a request that needs a part still loading "
        "(the server warms them after it starts) waits for it before it is answered 503.",
    )
    chat_rate_limit: int = Field(
        60, ge=0, description="Chat requests per minute per client (0 = no limit)."
    )
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-...).")
    slack_signing_secret: SecretStr | None = Field(
        None, description="Slack signing secret; with the bot token it enables /slack/events."
    )
    slack_app_token: SecretStr | None = Field(
        None, description="Slack app-level token (xapp-...) for Socket Mode (`cartwise slack`)."
    )
    slack_api_url: str | None = Field(
        None, description="Slack Web API base URL (default: Slack's; a stand-in for tests)."
    )

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

    @property
    def sessions_file(self) -> Path:
        """The SQLite file of the chat sessions."""
        return self.sessions_path or self.store_path / "sessions.sqlite"


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
