"""Tests of {{ cookiecutter.lambda_name }}."""
