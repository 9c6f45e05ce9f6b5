"""Surveys, KPIs and proactive service."""
