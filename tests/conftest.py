"""Shared fixtures: database URLs for the storage contract suite."""
