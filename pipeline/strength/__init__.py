"""Claim strength (Yu et al. 2019): does a sentence state causation, hedged causation, correlation or nothing?"""

from pipeline.strength.classifier import LABELS, StrengthModel, classify, shared_model

__all__ = ["LABELS", "StrengthModel", "classify", "shared_model"]
