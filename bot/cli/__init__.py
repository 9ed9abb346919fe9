"""The `concierge` command line: one module per command group (catalog, recommend, marketing, service,
dialogues); `main` builds the parser from them."""

from bot.cli.main import main

__all__ = ["main"]
