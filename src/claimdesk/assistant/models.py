"""FAQ assistant."""
