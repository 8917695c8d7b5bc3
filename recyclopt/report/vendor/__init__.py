"""Vendored, licensed browser assets of the HTML report (see README.md)."""
