"""Editions: finding, loading, freezing, creating and publishing them."""
