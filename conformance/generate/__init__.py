"""Render the platform's repositories from the spec through the cookiecutter templates."""
