"""Storage: the relational tables every stage reads and writes, on embedded DuckDB by default."""
