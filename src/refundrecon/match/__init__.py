"""Matching: link records of different roles that describe the same refund."""
