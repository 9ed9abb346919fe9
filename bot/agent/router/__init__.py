"""The router planner for models that cannot choose tools: intents by embedding similarity (intents), slots,
title spotting, targets, follow-ups; lexicons are data in lexicon/*.yaml. Entry point: routing.Router."""
