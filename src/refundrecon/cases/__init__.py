"""Cases: one per refund, holding its linked records and what, if anything, is wrong."""
