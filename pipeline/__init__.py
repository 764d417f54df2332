"""Cause-effect claim extraction, normalisation and scoring for article corpora."""

__version__ = "0.1.0"
