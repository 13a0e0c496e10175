"""tests.ledger.log."""
