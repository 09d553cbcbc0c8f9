"""Symbee Connect realtime queue statistics -> CloudWatch metrics (the Lambda asset's package)."""

__version__ = "0.1.0"
