"""refundrecon: reconcile refunds across sales, payments and ledger, and say why they differ."""

__version__ = "0.1.0"
