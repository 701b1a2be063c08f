"""Unit tests: one module at a time, AWS mocked with moto."""
