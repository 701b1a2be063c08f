"""Logging and response helpers."""
