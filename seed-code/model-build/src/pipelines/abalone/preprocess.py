"""Preprocess the abalone data inside SageMaker's scikit-learn processing container.

Reads every CSV under the input directory (the UCI abalone columns, no header), imputes and
scales the numeric features, one-hot encodes `sex`, puts the label (`rings`) first, shuffles with
a fixed seed and writes headerless train/validation/test CSVs (70/15/15), the layout SageMaker's
built-in XGBoost expects. A file that is empty, has another number of columns, or a header row
with missing or extra columns stops the script with a message naming the file and the columns.
The pipeline passes every folder as an argument (`--data-dir`,
`--train-dir`, ...), which is also how a local run maps them.
"""
import argparse
import glob
import os
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

FEATURES = [
    "sex",
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
]
LABEL = "rings"
NUMERIC = FEATURES[1:]
SPLITS = (("train", 0.70), ("validation", 0.15), ("test", 0.15))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", "--input-dir", dest="input_dir", default="/opt/ml/processing/input/data")
    parser.add_argument("--output-dir", default="/opt/ml/processing/output", help="parent of the split folders")
    for name, _ in SPLITS:
        parser.add_argument(f"--{name}-dir", help=f"where {name}.csv goes; default <output-dir>/{name}")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def read_file(name):
    """One input file as the UCI columns, checking it has them (by header names, or by count)."""
    try:
        frame = pd.read_csv(name, header=None, dtype=str, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise SystemExit(f"input file {name} is empty")
    except pd.errors.ParserError as error:
        raise SystemExit(f"input file {name} is not a CSV with one row per line: {str(error).strip()}")
    if frame.empty:
        raise SystemExit(f"input file {name} is empty")
    expected = FEATURES + [LABEL]
    first = [str(value).strip().lower() for value in frame.iloc[0]]
    # Tolerate a header row: the published dataset has none, hand-made samples often do.
    if first[0] == "sex" or set(first) & set(expected[1:]):
        missing = [column for column in expected if column not in first]
        extra = [column for column in first if column not in expected]
        if missing or extra:
            problems = [f"missing {', '.join(missing)}" if missing else "", f"extra {', '.join(extra)}" if extra else ""]
            raise SystemExit(
                f"input file {name}: header columns do not match the abalone data ({'; '.join(p for p in problems if p)}); "
                f"expected {', '.join(expected)}"
            )
        frame = frame.iloc[1:]
        frame.columns = first
        frame = frame[expected]
    elif frame.shape[1] != len(expected):
        raise SystemExit(
            f"input file {name} has {frame.shape[1]} columns; the abalone data has {len(expected)} "
            f"({', '.join(expected)}), read by position when there is no header row"
        )
    else:
        frame.columns = expected
    return frame


def read_input(input_dir):
    files = sorted(glob.glob(os.path.join(input_dir, "**", "*.csv"), recursive=True))
    if not files:
        raise SystemExit(f"no .csv file found under {input_dir}")
    data = pd.concat([read_file(name) for name in files], ignore_index=True)
    for column in NUMERIC + [LABEL]:
        data[column] = pd.to_numeric(data[column], errors="coerce")
    # Rows without a label cannot be used for training or evaluation.
    return data.dropna(subset=[LABEL]).reset_index(drop=True)


def transform(data):
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    preprocessor = ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, ["sex"])])
    features = preprocessor.fit_transform(data[FEATURES])
    if hasattr(features, "toarray"):
        features = features.toarray()
    label = data[LABEL].to_numpy(dtype=float).reshape(-1, 1)
    return np.concatenate([label, features], axis=1)


def split(rows, seed):
    # A seeded permutation makes the split reproducible, which step caching and tests rely on.
    order = np.random.RandomState(seed).permutation(len(rows))
    shuffled = rows[order]
    train_end = int(round(SPLITS[0][1] * len(rows)))
    validation_end = train_end + int(round(SPLITS[1][1] * len(rows)))
    return {
        "train": shuffled[:train_end],
        "validation": shuffled[train_end:validation_end],
        "test": shuffled[validation_end:],
    }


def main(argv=None):
    args = parse_args(argv)
    data = read_input(args.input_dir)
    if len(data) < 10:
        raise SystemExit(f"need at least 10 labelled rows to split; got {len(data)}")
    parts = split(transform(data), args.seed)
    for name, rows in parts.items():
        directory = getattr(args, f"{name}_dir") or os.path.join(args.output_dir, name)
        os.makedirs(directory, exist_ok=True)
        pd.DataFrame(rows).to_csv(os.path.join(directory, f"{name}.csv"), header=False, index=False)
        print(f"wrote {len(rows)} rows to {directory}/{name}.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
