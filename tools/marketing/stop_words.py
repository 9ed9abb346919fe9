"""English stop words, shared by keyphrase extraction, copy facts and the copy check.

scikit-learn's list; its package takes about two seconds to import, so it is loaded on first use rather than
with every module (and every `concierge` command) that may need it.
"""

from __future__ import annotations

import functools


@functools.cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)
