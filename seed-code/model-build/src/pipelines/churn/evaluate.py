"""Evaluate the churn classifier inside SageMaker's XGBoost container.

Extracts `model.tar.gz` (a booster named `xgboost-model`, as the built-in XGBoost algorithm writes
it), predicts churn probabilities for the test split (headerless CSV, label first), and writes
`evaluation.json` in the model registry's binary classification shape:
{"binary_classification_metrics": {"accuracy": {"value", "standard_deviation"},
 "auc": {"value", "standard_deviation"}, "precision": ..., "recall": ..., "f1": ...}}.
Accuracy uses a 0.5 threshold; standard deviations come from 200 seeded bootstrap resamples.
Also writes `model-input.json`: {"feature_count": ...}, the number of CSV columns the model takes.
"""
import argparse
import glob
import json
import os
import sys
import tarfile
import tempfile

import numpy as np
import pandas as pd
import xgboost


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default="/opt/ml/processing/input/model")
    parser.add_argument("--test-dir", default="/opt/ml/processing/input/test")
    parser.add_argument("--evaluation-dir", default="/opt/ml/processing/output/evaluation")
    return parser.parse_args(argv)


def load_booster(model_dir):
    archive = os.path.join(model_dir, "model.tar.gz")
    if not os.path.exists(archive):
        raise SystemExit(f"model archive not found: {archive}")
    extract_dir = tempfile.mkdtemp(prefix="model-")
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(extract_dir, member.name))
            if not target.startswith(os.path.realpath(extract_dir) + os.sep):
                raise SystemExit(f"unsafe path in model archive: {member.name}")
        try:
            tar.extractall(extract_dir, filter="data")
        except TypeError:
            # Python before 3.11.4 (the XGBoost 1.7 container) has no extraction filters; the
            # member check above covers what the filter would.
            tar.extractall(extract_dir)
    model_file = os.path.join(extract_dir, "xgboost-model")
    if not os.path.exists(model_file):
        raise SystemExit("model.tar.gz does not contain 'xgboost-model'")
    booster = xgboost.Booster()
    booster.load_model(model_file)
    return booster


def auc(labels, scores):
    """Area under the ROC curve from ranks (Mann-Whitney U); ties get average ranks."""
    positives = labels == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def metrics(labels, scores):
    predicted = (scores >= 0.5).astype(int)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "accuracy": float((predicted == labels).mean()),
        "auc": auc(labels, scores),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def main(argv=None):
    args = parse_args(argv)
    booster = load_booster(args.model_dir)
    files = sorted(glob.glob(os.path.join(args.test_dir, "*.csv")))
    if not files:
        raise SystemExit(f"no .csv file found under {args.test_dir}")
    data = pd.concat([pd.read_csv(name, header=None) for name in files], ignore_index=True)
    labels = data.iloc[:, 0].to_numpy(dtype=int)
    scores = booster.predict(xgboost.DMatrix(data.iloc[:, 1:].to_numpy(dtype=float)))
    measured = metrics(labels, scores)
    random = np.random.RandomState(42)
    samples = [metrics(labels[i], scores[i]) for i in (random.randint(0, len(labels), len(labels)) for _ in range(200))]
    report = {
        "binary_classification_metrics": {
            name: {
                "value": value,
                # NaN is not JSON; a resample without both classes has no AUC and is skipped.
                "standard_deviation": float(np.nanstd([s[name] for s in samples])) if not np.isnan(value) else 0.0,
            }
            for name, value in measured.items()
        }
    }
    if np.isnan(report["binary_classification_metrics"]["auc"]["value"]):
        report["binary_classification_metrics"]["auc"]["value"] = 0.5
    os.makedirs(args.evaluation_dir, exist_ok=True)
    with open(os.path.join(args.evaluation_dir, "evaluation.json"), "w") as handle:
        json.dump(report, handle)
    with open(os.path.join(args.evaluation_dir, "model-input.json"), "w") as handle:
        json.dump({"feature_count": int(data.shape[1] - 1)}, handle)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
