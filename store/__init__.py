"""The stores: the catalog (Chroma + in-memory index, ingest, files, watch), user history, sessions, SQLite,
the embedder, MovieLens loading, and the one year pattern."""
