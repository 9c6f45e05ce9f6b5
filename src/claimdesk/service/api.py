"""Service desk: API endpoints."""

from ninja import Router

router = Router(tags=["service"])
