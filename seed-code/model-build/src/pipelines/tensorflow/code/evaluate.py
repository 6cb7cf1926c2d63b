"""Evaluate the TensorFlow model of the tensorflow pipeline on the test split.

Runs on the project's image (it loads the SavedModel with TensorFlow). Extracts `model.tar.gz`,
predicts the test split (headerless CSV, label first) and writes `evaluation.json`:
{"regression_metrics": {"mse": {"value": ..., "standard_deviation": ...}}} and
`model-input.json`: {"feature_count": ...}. The pipeline passes every folder as an argument
(`--model-dir`, `--test-dir`, `--evaluation-dir`).
"""
import argparse
import json
import os
import sys
import tempfile

from common import extract_model, mean_squared_error, read_split


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default="/opt/ml/processing/input/model")
    parser.add_argument("--test-dir", default="/opt/ml/processing/input/test")
    parser.add_argument("--evaluation-dir", dest="output_dir", default="/opt/ml/processing/output/evaluation")
    return parser.parse_args(argv)


def report(labels, predictions, feature_count):
    """The evaluation report and the model input description, as written to the output folder."""
    mse, deviation = mean_squared_error(labels, predictions)
    return (
        {"regression_metrics": {"mse": {"value": mse, "standard_deviation": deviation}}},
        {"feature_count": int(feature_count)},
    )


def write(output_dir, evaluation, model_input):
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "evaluation.json"), "w") as handle:
        json.dump(evaluation, handle)
    with open(os.path.join(output_dir, "model-input.json"), "w") as handle:
        json.dump(model_input, handle)


def predict(model_root, features):
    try:
        import tensorflow as tf  # noqa: PLC0415
    except ImportError:
        raise SystemExit("evaluate.py needs TensorFlow: run it on the project image (containers/tensorflow/) or install tensorflow-cpu==2.19.0")
    loaded = tf.saved_model.load(os.path.join(model_root, "1"))
    inputs = tf.constant(features, dtype=tf.float32)
    if hasattr(loaded, "serve"):
        return loaded.serve(inputs).numpy()
    signature = loaded.signatures["serving_default"]
    [name] = signature.structured_input_signature[1].keys()
    [output] = signature(**{name: inputs}).values()
    return output.numpy()


def main(argv=None):
    args = parse_args(argv)
    features, labels = read_split(args.test_dir)
    root = extract_model(os.path.join(args.model_dir, "model.tar.gz"), tempfile.mkdtemp(prefix="model-"))
    evaluation, model_input = report(labels, predict(root, features), features.shape[1])
    write(args.output_dir, evaluation, model_input)
    print(json.dumps(evaluation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
