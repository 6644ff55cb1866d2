"""Reading and checking a data folder: the schema, per-cell and per-table rules, and the typed record."""
