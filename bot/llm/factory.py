"""Build the configured chat model: an OpenAI-compatible endpoint or the embedded SmolLM2."""

from __future__ import annotations

import logging
import os
from typing import Final, Literal

from bot.config import Settings
from bot.llm.embedded import EmbeddedSmolLM
from bot.llm.llama_cpp import LlamaCppModel, llama_cpp_available
from bot.llm.memo import MemoizedModel
from bot.llm.openai_compatible import OpenAICompatibleModel
from bot.llm.timed import LLMObserver, TimedChatModel
from bot.llm.weights import WeightFormat
from tools.chat_model import ChatModel

log = logging.getLogger(__name__)

EMBEDDED_DTYPE: Final[Literal["float32"]] = (
    "float32"  # int8 decodes ~1.5x faster but its replies failed the guard far more often
)


def build_chat_model(
    settings: Settings, observe: LLMObserver | None = None, *, given: ChatModel | None = None
) -> ChatModel:
    """settings.llm_backend: "openai", "embedded", or "auto" (openai when llm_base_url is set).

    Cheap: the embedded model loads its weights on first use (or on an explicit `.load()`).
    observe: told each finished generation's speed (bot/llm/timed.py; memo replays are not generations).
    given: a model to use instead of the configured one (a test's, bot.composition.Overrides.llm).
    Raises ValueError when "openai" is asked for without llm_base_url.
    """
    if given is not None:
        return given if observe is None else TimedChatModel(given, observe)
    backend = settings.llm_backend
    if backend == "auto":
        backend = "openai" if settings.llm_base_url else "embedded"
    if backend == "openai":
        if not settings.llm_base_url:
            raise ValueError("CONCIERGE_LLM_BACKEND=openai needs CONCIERGE_LLM_BASE_URL")

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        served: ChatModel = OpenAICompatibleModel(
            settings.llm_base_url,
            settings.llm_model,
            key,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
        return served if observe is None else TimedChatModel(served, observe)

    return build_embedded_model(settings, observe)


def build_embedded_model(settings: Settings, observe: LLMObserver | None = None) -> ChatModel:
    """The embedded SmolLM2: on llama.cpp when it is installed (or asked for), else on transformers."""
    engine = settings.llm_engine
    if engine == "auto":
        engine = "llama_cpp" if llama_cpp_available() else "transformers"
        if engine == "transformers":
            log.warning("llama-cpp-python is not installed: the embedded LLM runs on transformers (5-10x slower)")
    model: ChatModel
    if engine == "llama_cpp":
        instances = settings.llm_instances or max(1, (os.cpu_count() or 1) // settings.llm_threads)
        model = LlamaCppModel(
            instances=instances,
            threads=settings.llm_threads,
            batch_threads=settings.llm_batch_threads or os.cpu_count() or 1,
            max_wait_s=settings.llm_max_wait_s,
            weights=WeightFormat(settings.llm_weights),
            models_dir=settings.models_dir,
        )
    else:
        model = EmbeddedSmolLM(settings.models_dir, EMBEDDED_DTYPE)
    if observe is not None:
        model = TimedChatModel(model, observe)
    return MemoizedModel(model, settings.llm_memo_size) if settings.llm_memo_size else model


def planner_for(settings: Settings, llm_override: ChatModel | None = None) -> str:
    """The planner to use: the setting, or by the backend's capability when it is auto (a served model chooses
    tools; the embedded one cannot)."""
    if settings.planner != "auto":
        return settings.planner
    if llm_override is not None:
        return "native" if llm_override.supports_tools else "router"
    uses_server = settings.llm_backend == "openai" or (settings.llm_backend == "auto" and settings.llm_base_url)
    return "native" if uses_server else "router"


def copy_drafts_for(settings: Settings, llm_override: ChatModel | None = None) -> bool:
    """Whether the LLM drafts marketing copy (Settings.llm_copy; auto = only a served, capable model)."""
    if settings.llm_copy != "auto":
        return settings.llm_copy == "on"
    return llm_override is not None or planner_for(settings) == "native"


def llm_languages_for(
    settings: Settings, llm_override: ChatModel | None, languages: tuple[str, ...]
) -> tuple[str, ...]:
    """The languages the LLM writes replies in (Settings.llm_languages; auto = English for the embedded SmolLM2,
    which fails the guard in the others (bench/llm_languages.py), every reply language for a served model)."""
    if settings.llm_languages != "auto":
        return tuple(c.strip().lower() for c in settings.llm_languages.split(",") if c.strip())
    return languages if planner_for(settings, llm_override) == "native" else ("en",)
