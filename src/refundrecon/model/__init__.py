"""Canonical records, money and the closed vocabulary shared by every stage."""
