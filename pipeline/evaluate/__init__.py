"""Benchmarks that measure extraction against labelled data (`claims bench ...`)."""
