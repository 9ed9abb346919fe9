"""The language of each turn: asked for by the request, else detected offline (lingua), else the conversation's.

Short messages are weak evidence ("Heat", "ya la vi", "¿de qué trata Inception?"): a message of fewer than
SHORT_WORDS words, or of fewer than SWITCH_WORDS in a conversation held in another language, sets the language
only when the detector is very sure. A detected language the product does not answer in
(Japanese, Russian ...) gives the default language, whose router says what it can do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from prompts.locale import Locale, Locales

# languages the detector tells apart: the supported ones and those most often mistaken for them
DETECTED = ("en", "zh", "es", "fr", "de", "it", "pt", "nl", "ja", "ko", "ru")
SHORT_WORDS = 3
KNOWN_SHARE = 0.6  # a first message whose words a language's gloss table knows this well is in that language
SWITCH_WORDS = 6  # a shorter message changes the conversation's language only when the detector is very sure
HAN_SHARE = 0.25  # this share of Chinese characters makes a message Chinese, whatever Latin title it names
SURE = 0.5
SURE_SHORT = 0.75
CJK_CHARS_PER_WORD = 2


class UnsupportedLanguage(ValueError):
    """A request asked for a language the product has no locale for."""


@dataclass(frozen=True, slots=True)
class TurnLanguage:
    """The turn's language and how it was chosen: "requested", "detected" or "conversation"."""

    code: str
    source: str
    detected: str | None = None  # what the detector said, when it was asked (may be an unsupported language)
    confidence: float = 0.0

    def trace(self) -> dict[str, object]:
        return {"language": self.code, "source": self.source, "detected": self.detected,
                "confidence": round(self.confidence, 3)}  # fmt: skip


def _han_share(text: str) -> float:
    """The share of Chinese characters among the letters (0 for any text with Japanese kana or Korean)."""
    letters = [c for c in text if c.isalpha()]
    if not letters or any("\u3040" <= c <= "\u30ff" or "\uac00" <= c <= "\ud7af" for c in letters):
        return 0.0
    return sum("\u4e00" <= c <= "\u9fff" for c in letters) / len(letters)


def _word_count(text: str) -> int:
    cjk = sum(1 for c in text if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af")
    return len(text.split()) + cjk // CJK_CHARS_PER_WORD


class LanguagePicker:
    """Chooses each turn's language among `supported` (the first is the default)."""

    def __init__(self, supported: Sequence[str]) -> None:
        if not supported:
            raise ValueError("at least one supported language is needed")
        self.supported = tuple(supported)
        self.default = self.supported[0]
        self._detector: LanguageDetector | None = None
        self._lock = threading.Lock()

    def _detect(self, text: str) -> tuple[str | None, float]:
        with self._lock:
            if self._detector is None:
                codes = [getattr(IsoCode639_1, c.upper()) for c in dict.fromkeys((*DETECTED, *self.supported))]
                self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None, 0.0
        return values[0].language.iso_code_639_1.name.lower(), float(values[0].value)

    def language_of(self, text: str) -> str | None:
        """The language a text reads as most (any the detector knows), or None for a text without letters."""
        return self._detect(text)[0] if any(c.isalpha() for c in text) else None

    def check(self, requested: str) -> str:
        """A requested language code, normalised ("ZH", "zh-CN" -> "zh"); UnsupportedLanguage if there is no locale."""
        code = requested.strip().lower().replace("_", "-").split("-")[0]
        if code not in self.supported:
            raise UnsupportedLanguage(f"language '{requested}' is not supported; supported: {list(self.supported)}")
        return code

    def pick(
        self,
        text: str,
        *,
        requested: str | None = None,
        previous: str | None = None,
        known_shares: Callable[[str], Mapping[str, float]] | None = None,
        without_titles: Callable[[str], str] | None = None,
    ) -> TurnLanguage:
        """The turn's language; `previous` is the conversation's so far (None for a new one). known_shares: per
        language, the share of the message's words its gloss table knows — the evidence for a new conversation's
        first message when the detector is unsure ("¡hola!", "muéstrame mi perfil" reads as Portuguese).
        without_titles: the message without the catalog titles it names, which the detector reads instead."""
        if requested:
            return TurnLanguage(self.check(requested), "requested")
        fallback = previous if previous in self.supported else self.default
        if "zh" in self.supported and _han_share(text) >= HAN_SHARE:  # "The Godfather是哪一年上映的？" is Chinese
            return TurnLanguage("zh", "detected", "zh", 1.0)
        probe = without_titles(text) if without_titles is not None else text
        probe = probe if any(c.isalpha() for c in probe) else text
        detected, confidence = self._detect(probe) if probe.strip() else (None, 0.0)
        words = _word_count(probe)
        switching = previous in self.supported and detected != previous  # a conversation keeps its language ...
        sure = SURE_SHORT if words < SHORT_WORDS or (switching and words < SWITCH_WORDS) else SURE  # ... unless sure
        unsure = detected is None or confidence < sure or detected not in self.supported
        if unsure and previous is None and known_shares is not None:
            shares = {c: s for c, s in known_shares(probe).items() if c in self.supported}
            best = max(shares, key=lambda c: (shares[c], c == self.default), default=None)  # ties: the default
            if best is not None and best != self.default and shares[best] >= KNOWN_SHARE:
                return TurnLanguage(best, "vocabulary", detected, confidence)
        if detected is None or confidence < sure:
            return TurnLanguage(fallback, "conversation", detected, confidence)
        code = detected if detected in self.supported else self.default
        return TurnLanguage(code, "detected", detected, confidence)


class LanguageSupport:
    """A process's reply languages: each turn's pick and each language's words (every one must ship a locale)."""

    def __init__(self, codes: Sequence[str], locales: Locales) -> None:
        shipped = set(locales.codes())
        missing = [code for code in codes if code not in shipped]
        if missing:
            raise UnsupportedLanguage(f"no locale for language(s) {missing}; shipped: {sorted(shipped)}")
        self.picker = LanguagePicker(codes)
        self.locales = locales

    @property
    def codes(self) -> tuple[str, ...]:
        return self.picker.supported

    def words(self, code: str) -> Locale:
        return self.locales.get(code)

    def choose(
        self,
        text: str,
        *,
        requested: str | None,
        previous: str | None,
        known_shares: Callable[[str], Mapping[str, float]] | None = None,
        without_titles: Callable[[str], str] | None = None,
    ) -> tuple[TurnLanguage, Locale]:
        """The turn's language and its words."""
        turn = self.picker.pick(
            text, requested=requested, previous=previous, known_shares=known_shares, without_titles=without_titles
        )
        return turn, self.locales.get(turn.code)

    def names(self) -> dict[str, str]:
        """Code -> the language's own name, for pickers."""
        return {code: self.locales.get(code).name for code in self.codes}


__all__ = ["LanguagePicker", "LanguageSupport", "TurnLanguage", "UnsupportedLanguage"]
