"""tests.ledger.kinds."""
