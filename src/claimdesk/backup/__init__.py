"""Backup and restore of one installation: its database and its stored files, in one archive
with a manifest (``claimdesk backup`` / ``claimdesk restore``; docs/operations.md)."""
