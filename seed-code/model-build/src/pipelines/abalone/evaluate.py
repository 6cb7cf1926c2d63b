"""Evaluate the abalone model inside SageMaker's XGBoost container.

Extracts `model.tar.gz` (as written by the built-in XGBoost algorithm: a booster file named
`xgboost-model`), predicts the test split (headerless CSV, label first) and writes
`evaluation.json`: {"regression_metrics": {"mse": {"value": ..., "standard_deviation": ...}}},
where standard_deviation is that of the prediction errors, and `model-input.json`:
{"feature_count": ...}, the number of CSV columns the model takes (recorded at registration, so
the deploy repository's smoke test can build a valid request). The pipeline passes every folder as an
argument (`--model-dir`, `--test-dir`, `--evaluation-dir`).
"""
import argparse
import glob
import json
import os
import pickle
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
    parser.add_argument("--evaluation-dir", "--output-dir", dest="output_dir", default="/opt/ml/processing/output/evaluation")
    return parser.parse_args(argv)


def load_booster(model_dir):
    archive = os.path.join(model_dir, "model.tar.gz")
    if not os.path.exists(archive):
        raise SystemExit(f"model archive not found: {archive}")
    extract_dir = tempfile.mkdtemp(prefix="model-")
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            # Refuse paths escaping the extraction directory.
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
    try:
        booster.load_model(model_file)
    except xgboost.core.XGBoostError:
        # Containers before 1.0 pickled the booster instead of saving it natively.
        with open(model_file, "rb") as handle:
            booster = pickle.load(handle)
    return booster


def read_test(test_dir):
    files = sorted(glob.glob(os.path.join(test_dir, "*.csv")))
    if not files:
        raise SystemExit(f"no .csv file found under {test_dir}")
    data = pd.concat([pd.read_csv(name, header=None) for name in files], ignore_index=True)
    return data.iloc[:, 1:].to_numpy(dtype=float), data.iloc[:, 0].to_numpy(dtype=float)


def main(argv=None):
    args = parse_args(argv)
    booster = load_booster(args.model_dir)
    features, labels = read_test(args.test_dir)
    predictions = booster.predict(xgboost.DMatrix(features))
    errors = labels - predictions
    report = {
        "regression_metrics": {
            "mse": {
                "value": float(np.mean(np.square(errors))),
                "standard_deviation": float(np.std(errors)),
            }
        }
    }
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "evaluation.json"), "w") as handle:
        json.dump(report, handle)
    with open(os.path.join(args.output_dir, "model-input.json"), "w") as handle:
        json.dump({"feature_count": int(features.shape[1])}, handle)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
