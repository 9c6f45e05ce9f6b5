"""FAQ assistant: API endpoints."""

from ninja import Router

router = Router(tags=["assistant"])
