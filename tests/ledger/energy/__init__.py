"""tests.ledger.energy."""
