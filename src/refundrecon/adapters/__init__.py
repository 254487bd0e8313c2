"""Adapters: one module per source system, each turning a native export into canonical records."""
