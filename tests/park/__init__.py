"""tests.park."""
