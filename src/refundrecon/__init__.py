"""refundrecon: reconcile refunds across sales, payments and ledger systems and say why they differ."""

__version__ = "0.1.0"
