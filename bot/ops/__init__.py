"""Operations: logging with redaction (logs), transcript retention (retention), start-up checks (startup)."""
