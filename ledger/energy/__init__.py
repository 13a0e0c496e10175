"""ledger.energy."""
