"""The guard room: every check generated text passes before anyone sees it, all reporting one GuardReport.

- check_reply: the grounding guard of the concierge's LLM replies (bot/guard/reply.py);
- check_copy: the marketing-copy check, injected into the marketing tools as their CopyCheck (bot/guard/copy.py);
- hidden_secrets: secrets of the system prompt spelled out, reversed or base64-encoded (bot/guard/secrets.py);
(The loop's SecretScrubber, bot/agent/secret_scrubber.py, keeps those secrets out of every event a turn sends.)

GuardReport itself lives in tools/guard_report.py, because the marketing tools (which never import bot) build it.
"""

from bot.guard.copy import check_copy
from bot.guard.reply import check_reply
from bot.guard.rules import GuardRules, default_rules
from bot.guard.secrets import hidden_secrets
from bot.guard.titles import KnownTitles, as_known_titles, norm_title, title_aliases
from tools.guard_report import GuardReport

__all__ = [
    "GuardReport",
    "GuardRules",
    "KnownTitles",
    "as_known_titles",
    "check_copy",
    "check_reply",
    "default_rules",
    "hidden_secrets",
    "norm_title",
    "title_aliases",
]
