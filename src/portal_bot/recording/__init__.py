"""Recorded pages of a site: what ``register --record`` and ``portal-bot survey`` save, and
what ``flows check --against`` reads (issue 10). :mod:`.model` is the format."""
