"""Concierge's conversation side: surfaces (cli, http, dialogues), the facade (concierge), the composition root
(composition), the agent, the guard, LLM backends, ops and settings. See docs/architecture.md."""
