"""Does the embedded SmolLM2 write acceptable replies in each language? The guard pass rate per language.

For N popular demo items, the reply job of the product (the "pick" sentence: bot/agent/reply_jobs.py) is asked of
the embedded model with one more line in its system message and in the job's message: write the sentence in the
language. No word mask (the product's mask holds English words only). A sentence passes when the reply guard finds
nothing (titles, years, markup, repetition, cut-off: bot/guard/reply.py) and it reads as the language once the title
is taken out (the detector of bot/agent/language.py). This is what Settings.llm_languages=auto rests on: the
embedded model writes only the languages that pass here.

    .venv/bin/python bench/llm_languages.py [--items 20] [--languages en,zh,es,fr,de]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.llm import FILM, PROMPTS, pick_jobs
from bot.agent.language import LanguagePicker
from bot.agent.reply_jobs import JOB_MAX_TOKENS, clean_sentence
from bot.config import Settings
from bot.guard.language_match import language_match_problems
from bot.guard.reply import check_reply
from bot.llm.factory import build_embedded_model
from prompts.locale import shipped_locales
from tools.chat_model import complete

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--languages", default="en,zh,es,fr,de")
    parser.add_argument("--show", type=int, default=2, help="sentences printed per language")
    args = parser.parse_args()
    codes = [c.strip() for c in args.languages.split(",") if c.strip()]
    model = build_embedded_model(Settings())
    picker = LanguagePicker(codes)
    jobs = pick_jobs(ROOT / "data", args.items)
    print(f"load: {os.getloadavg()[0]:.2f} (1-min load average, {os.cpu_count()} cores)")
    rows = []
    for code in codes:
        name = shipped_locales().get(code).name
        passed = language_ok = 0
        started = time.perf_counter()
        for n, job in enumerate(jobs):
            messages = job.messages(PROMPTS, FILM)
            messages[0]["content"] += f"\nWrite the sentence in {name}."
            messages[-1]["content"] += f"\nAnswer in {name}."
            text = clean_sentence(complete(model, messages, max_tokens=JOB_MAX_TOKENS, temperature=0.0).text)
            report = check_reply(
                text, allowed_titles=[job.title], allowed_years=[job.year] if job.year else [], min_chars=10
            )
            wrong_language = language_match_problems(text, code, picker.language_of, [job.title])
            language_ok += not wrong_language
            passed += report.passed and not wrong_language
            if n < args.show:
                print(f"[{code}] {text!r} -> {[*report.problems, *wrong_language] or 'pass'}")
        seconds = time.perf_counter() - started
        rows.append((code, len(jobs), language_ok / len(jobs), passed / len(jobs), seconds / len(jobs)))
    print("\n| language | sentences | in the language | guard pass | s / sentence |\n|---|---|---|---|---|")
    for code, n, in_language, passing, per in rows:
        print(f"| {code} | {n} | {in_language:.0%} | {passing:.0%} | {per:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
