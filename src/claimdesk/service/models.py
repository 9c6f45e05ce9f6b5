"""Service desk."""
