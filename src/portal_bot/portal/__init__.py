"""Adapters for the portal's pages: each reads or drives one page and returns plain data."""
