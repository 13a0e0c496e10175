"""traceability package."""
