"""Integration tests: the handler driven end to end with a realistic event against moto."""
