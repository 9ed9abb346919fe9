"""The film catalog's profile renders the labelled prompts exactly as they were before prompts took the profile.

tests/data/film_prompts.json holds the reply-job and marketing-copy prompts (and the copy check's banned phrases)
as they rendered when they still said "film" literally: the outputs of the labelled sets (tests/data/faithfulness/,
replayed by tests/test_faithfulness_set.py) were recorded under those prompts, so the film profile must give the
same bytes. Another catalog's profile gives other words (tests/test_no_film_words.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.agent.reply_jobs import JobKind, ReplyJob
from prompts import Prompts
from store.catalog_profile import CatalogProfile, shipped_profile
from store.items import CatalogItem
from tools.marketing.channels import load_channel_rules
from tools.marketing.copy_prompt import item_facts

GOLDEN = Path(__file__).parent / "data" / "film_prompts.json"
HEAT = CatalogItem(item_id="6", title="Heat", year=1995, genres=("Action", "Crime", "Thriller"),
                   overview="A group of professional bank robbers start to feel the heat from police.")  # fmt: skip
BARE = CatalogItem(item_id="7", title="Nothing", year=None, genres=(), overview="")
CHANNELS = ("tagline", "email", "push", "social")


def rendered_prompts(profile: CatalogProfile) -> dict[str, Any]:
    """Every job and copy prompt for two items (with and without facts), as the golden file keys them."""
    prompts = Prompts()
    out: dict[str, Any] = {}
    for kind in JobKind:
        for item in (HEAT, BARE):
            job = ReplyJob.for_item(kind, item, "Because you liked Ronin (1998) · Crime")
            out[f"job/{kind}/{item.item_id}"] = job.messages(prompts, profile)
            out[f"job/{kind}/{item.item_id}/start"] = job.messages(prompts, profile, reply_start=job.title)
    rules = load_channel_rules(profile=profile)
    out["copy_system"] = prompts.render("copy_system.j2", profile=profile)
    for channel in CHANNELS:
        for item in (HEAT, BARE):
            for few, fans in (([], []), ([{"tagline": "A Los Angeles crime saga"}], ["Ronin", "Se7en"])):
                facts = item_facts(item, profile.item, ["bank robbery", "police"])
                variables = {"facts": facts, "few_shot": few, "fans_of": fans, "audience": "fans of heist stories",
                             "tone": "warm", "rule": rules[channel]}  # fmt: skip
                key = f"{item.item_id}/{len(few)}"
                out[f"copy_{channel}/{key}"] = prompts.render(f"copy_{channel}.j2", profile=profile, **variables)
                for hook in ("", "A hook."):
                    out[f"copy_fallback_{channel}/{key}/{bool(hook)}"] = prompts.render(
                        f"copy_fallback_{channel}.j2",
                        profile=profile,
                        facts=facts,
                        keywords=["bank robbery"],
                        fans_of=fans,
                        hook=hook,
                    )
    out["banned"] = {channel: list(rule.banned_phrases) for channel, rule in rules.items()}
    return out


def test_the_film_profile_renders_the_recorded_prompts_byte_for_byte() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(rendered_prompts(shipped_profile("film")), ensure_ascii=False))
    assert sorted(now) == sorted(golden)
    changed = [key for key in golden if now[key] != golden[key]]
    assert changed == [], changed


def test_another_profile_changes_the_words_not_the_shape() -> None:
    film, books = rendered_prompts(shipped_profile("film")), rendered_prompts(shipped_profile("books"))
    assert sorted(film) == sorted(books)
    assert "recommends a book" in books["job/pick/6"][0]["content"]
    assert "Shelves: Action, Crime, Thriller" in books["job/pick/6"][-1]["content"]
    assert books["copy_system"].startswith("You write short marketing copy for books in a catalog.")
    assert "for the book below" in books["copy_tagline/6/0"]
    assert "the book below" in books["banned"]["tagline"] and "shelves:" in books["banned"]["tagline"]
    assert books["copy_fallback_push/7/0/False"] == "Nothing, a book of bank robbery."  # no genres: the noun
