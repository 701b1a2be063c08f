"""Pydantic models: the Product and the change events carried by the queue."""
