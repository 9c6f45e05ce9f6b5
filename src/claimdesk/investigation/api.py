"""Investigation and loss assessment: API endpoints."""

from ninja import Router

router = Router(tags=["investigation"])
