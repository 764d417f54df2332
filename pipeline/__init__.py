"""Cause-effect claim extraction, normalisation and scoring for article corpora."""

from pipeline.offline import apply_offline_defaults

apply_offline_defaults()  # before any submodule imports Prefect or tldextract

__version__ = "0.1.0"
