"""What the TensorFlow pipeline's training and evaluation share: reading a split, the metric,
and extracting a model archive safely. Plain Python and numpy, so tests run without TensorFlow."""
import glob
import os
import tarfile

import numpy as np


def read_split(directory):
    """Features and labels of every headerless CSV under `directory` (label first), as float32."""
    files = sorted(glob.glob(os.path.join(directory, "*.csv")))
    if not files:
        raise SystemExit(f"no .csv file found under {directory}")
    parts = []
    for name in files:
        try:
            rows = np.loadtxt(name, delimiter=",", dtype=np.float32, ndmin=2)
        except ValueError as error:
            raise SystemExit(f"{name} is not a numeric CSV (label first, no header): {error}")
        if rows.size == 0:
            raise SystemExit(f"{name} is empty")
        if rows.shape[1] < 2:
            raise SystemExit(f"{name} has {rows.shape[1]} column; expected the label and at least one feature")
        parts.append(rows)
    widths = sorted({p.shape[1] for p in parts})
    if len(widths) > 1:
        raise SystemExit(f"the CSV files under {directory} have different column counts: {widths}")
    data = np.concatenate(parts)
    return data[:, 1:], data[:, 0]


def mean_squared_error(labels, predictions):
    """Mean squared error and the standard deviation of the errors, as floats."""
    labels = np.asarray(labels, dtype=np.float64).reshape(-1)
    predictions = np.asarray(predictions, dtype=np.float64).reshape(-1)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.shape[0]} labels but {predictions.shape[0]} predictions")
    errors = labels - predictions
    return float(np.mean(np.square(errors))), float(np.std(errors))


def extract_model(archive, target):
    """Extracts `model.tar.gz` into `target`, refusing members that would land outside it."""
    if not os.path.exists(archive):
        raise SystemExit(f"model archive not found: {archive}")
    root = os.path.realpath(target)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = os.path.realpath(os.path.join(root, member.name))
            if path != root and not path.startswith(root + os.sep):
                raise SystemExit(f"unsafe path in model archive: {member.name}")
            if member.issym() or member.islnk():
                raise SystemExit(f"link in model archive: {member.name}")
        try:
            tar.extractall(root, filter="data")
        except TypeError:
            # Python before 3.11.4 has no extraction filters; the checks above cover what it would.
            tar.extractall(root)
    return root
