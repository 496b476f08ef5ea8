"""Analytics services: one module per engine (selectors -> engine -> bulk upsert)."""
