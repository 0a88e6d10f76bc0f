"""Versioned JSON API (/api/v1/): schemas at the edge, calls into the apps' services and selectors."""
