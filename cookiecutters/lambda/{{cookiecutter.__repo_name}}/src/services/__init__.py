"""Business logic of this Lambda."""
