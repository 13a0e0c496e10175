"""park."""
