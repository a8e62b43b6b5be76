"""Evaluation shipped with the detector: a seeded labelled corpus and span-level scores (`python -m ...`)."""
