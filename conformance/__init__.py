"""BBWS platform generators and conformance suite."""

__version__ = "0.1.0"
