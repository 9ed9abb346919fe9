"""The PostgreSQL engine of the history and session stores (chosen by CONCIERGE_DATABASE_URL; docs/deployment.md)."""
