"""Data access: the products table."""
