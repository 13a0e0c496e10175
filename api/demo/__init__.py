"""api.demo.run."""
