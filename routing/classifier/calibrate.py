"""Fit the shipped model's softmax temperature on out-of-fold predictions and write calibration.json.

    python -m routing.classifier.calibrate [--folds 5]

The written training set is split in folds; for each, a model trained on the other folds (plus the templates, as
the shipped model is) scores it. The temperature that minimises the negative log-likelihood of those scores is
the one the shipped model uses. Held-out sets are never touched here, so the evaluation's reliability table and ECE
measure the calibration on data it was not fitted on. Run it after changing the corpus (a test checks the digest).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Sequence

import numpy as np

from routing.classifier.calibration import CALIBRATION_PATH
from routing.classifier.corpus import (TEMPLATE_STRIDE, TEMPLATE_WEIGHT, TRAIN_PATH, WRITTEN_TRAIN_PATH, corpus_digest,
                                       read_examples)
from routing.classifier.model import LinearModel, train

TRIAGE_BELOW = 0.5  # calibrated: under this the chosen type is more likely wrong than right; a person should look


def raw_scores(model: LinearModel, texts: Sequence[str]) -> np.ndarray:
    """Model scores (no temperature) for each text, lexicon features included, as the classifier computes them."""
    from routing.classifier.features import normalize
    from routing.classifier.lexicon import default_lexicon

    normalized = [normalize(text[:4000]) for text in texts]
    types = [[hit.type for hit in default_lexicon().hits(text)] for text in normalized]
    return np.asarray(model.scores_many(model.features_many(normalized, types)), dtype=float)


def negative_log_likelihood(scores: np.ndarray, truth: np.ndarray, temperature: float) -> float:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
    return float(-log_probabilities[np.arange(len(truth)), truth].mean())


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    found = minimize_scalar(lambda t: negative_log_likelihood(scores, truth, t), bounds=(0.05, 20.0), method="bounded")
    return float(found.x)


def out_of_fold_scores(folds: int, seed: int = 2) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    templates, written = read_examples(TRAIN_PATH)[::TEMPLATE_STRIDE], read_examples(WRITTEN_TRAIN_PATH)
    order = list(range(len(written)))
    random.Random(seed).shuffle(order)
    scores: np.ndarray | None = None
    classes: tuple[str, ...] = ()
    for fold in range(folds):
        held = set(order[fold::folds])
        rest = [e for i, e in enumerate(written) if i not in held]
        model = train([e.text for e in templates] + [e.text for e in rest],
                      [e.type for e in templates] + [e.type for e in rest],
                      [TEMPLATE_WEIGHT] * len(templates) + [1.0] * len(rest))
        classes = model.classes
        held_rows = sorted(held)
        fold_scores = raw_scores(model, [written[i].text for i in held_rows])
        if scores is None:
            scores = np.zeros((len(written), len(classes)))
        scores[held_rows] = fold_scores
        print(f"fold {fold + 1}/{folds} done", file=sys.stderr, flush=True)
    assert scores is not None
    truth = np.array([classes.index(e.type) for e in written])
    return scores, truth, classes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    scores, truth, _ = out_of_fold_scores(args.folds)
    temperature = fit_temperature(scores, truth)
    accuracy = float((scores.argmax(axis=1) == truth).mean())
    data = {"temperature": round(temperature, 4), "triage_below": TRIAGE_BELOW, "corpus_digest": corpus_digest(),
            "fitted_on": f"out-of-fold scores, {args.folds} folds of the written training set",
            "out_of_fold_accuracy": round(accuracy, 4),
            "nll_before": round(negative_log_likelihood(scores, truth, 1.0), 4),
            "nll_after": round(negative_log_likelihood(scores, truth, temperature), 4)}
    CALIBRATION_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
