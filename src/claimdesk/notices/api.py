"""Notices: API endpoints."""

from ninja import Router

router = Router(tags=["notices"])
