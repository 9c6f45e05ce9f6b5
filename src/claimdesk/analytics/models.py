"""Analytics: summary tables where the dashboard needs them."""
