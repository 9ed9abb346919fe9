"""Scripted dialogue tests: the YAML format (format, schema), expectations (checks, matching), the runner,
reports, and a pytest plugin (docs/dialogues.md)."""
