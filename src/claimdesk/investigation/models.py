"""Investigation and loss assessment."""
