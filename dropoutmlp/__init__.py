"""dropoutmlp."""
