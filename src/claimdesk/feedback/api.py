"""Surveys, KPIs and proactive service: API endpoints."""

from ninja import Router

router = Router(tags=["feedback"])
