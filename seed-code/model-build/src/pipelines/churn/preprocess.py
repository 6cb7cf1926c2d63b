"""Preprocess the customer churn data inside SageMaker's scikit-learn processing container.

Reads every CSV (or .txt) under the data directory in the layout of the AWS customer churn
walkthrough's `churn.txt` (a header row; columns State, Account Length, Area Code, Phone,
Int'l Plan, VMail Plan, VMail Message, Day Mins, Day Calls, Day Charge, Eve Mins, Eve Calls,
Eve Charge, Night Mins, Night Calls, Night Charge, Intl Mins, Intl Calls, Intl Charge,
CustServ Calls, Churn?). Drops the phone number and the charges (a fixed multiple of the minutes),
one-hot encodes State, Area Code and the two plans, turns `Churn?` ("True." / "False.") into 1/0
and puts it first, shuffles with a fixed seed and writes headerless train/validation/test CSVs
(70/15/15) for the built-in XGBoost. A file that is empty, or whose header misses a column the
model uses or has one the walkthrough's data does not, stops the script with a message naming the
file and the columns (the dropped columns may be absent). Every folder is an argument (`--data-dir`, `--train-dir`, ...).
"""
import argparse
import glob
import os
import sys

import numpy as np
import pandas as pd

LABEL = "Churn?"
DROP = ["Phone", "Day Charge", "Eve Charge", "Night Charge", "Intl Charge"]
CATEGORICAL = ["State", "Area Code", "Int'l Plan", "VMail Plan"]
SPLITS = (("train", 0.70), ("validation", 0.15), ("test", 0.15))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/opt/ml/processing/input/data")
    parser.add_argument("--output-dir", default="/opt/ml/processing/output", help="parent of the split folders")
    for name, _ in SPLITS:
        parser.add_argument(f"--{name}-dir", help=f"where {name}.csv goes; default <output-dir>/{name}")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


COLUMNS = [
    "State", "Account Length", "Area Code", "Phone", "Int'l Plan", "VMail Plan", "VMail Message",
    "Day Mins", "Day Calls", "Day Charge", "Eve Mins", "Eve Calls", "Eve Charge", "Night Mins",
    "Night Calls", "Night Charge", "Intl Mins", "Intl Calls", "Intl Charge", "CustServ Calls", LABEL,
]


def read_file(name):
    """One input file, checking its header names the walkthrough's columns (DROP ones may be absent)."""
    try:
        frame = pd.read_csv(name)
    except pd.errors.EmptyDataError:
        raise SystemExit(f"input file {name} is empty")
    except pd.errors.ParserError as error:
        raise SystemExit(f"input file {name} is not a CSV with one row per line: {str(error).strip()}")
    columns = [str(column) for column in frame.columns]
    missing = [column for column in COLUMNS if column not in columns and column not in DROP]
    extra = [column for column in columns if column not in COLUMNS]
    if missing or extra:
        problems = [f"missing {', '.join(missing)}" if missing else "", f"extra {', '.join(extra)}" if extra else ""]
        raise SystemExit(
            f"input file {name}: columns do not match the churn data ({'; '.join(p for p in problems if p)}); "
            f"expected a header row with {', '.join(COLUMNS)}"
        )
    if frame.empty:
        raise SystemExit(f"input file {name} is empty (a header row and no data)")
    return frame


def read_input(data_dir):
    files = sorted(
        glob.glob(os.path.join(data_dir, "**", "*.csv"), recursive=True)
        + glob.glob(os.path.join(data_dir, "**", "*.txt"), recursive=True)
    )
    if not files:
        raise SystemExit(f"no .csv or .txt file found under {data_dir}")
    return pd.concat([read_file(name) for name in files], ignore_index=True)


def transform(data):
    label = data[LABEL].astype(str).str.strip().str.rstrip(".").str.lower().isin(["true", "1", "yes"]).astype(int)
    features = data.drop(columns=[LABEL] + [c for c in DROP if c in data.columns])
    for column in CATEGORICAL:
        if column in features.columns:
            features[column] = features[column].astype(str)
    # Sorted dummy columns: the same categories always give the same column order.
    features = pd.get_dummies(features, columns=[c for c in CATEGORICAL if c in features.columns], dtype=float)
    features = features.reindex(sorted(features.columns), axis=1).astype(float)
    features = features.fillna(features.median())
    return np.concatenate([label.to_numpy(dtype=float).reshape(-1, 1), features.to_numpy()], axis=1)


def split(rows, seed):
    order = np.random.RandomState(seed).permutation(len(rows))
    shuffled = rows[order]
    train_end = int(round(SPLITS[0][1] * len(rows)))
    validation_end = train_end + int(round(SPLITS[1][1] * len(rows)))
    return {"train": shuffled[:train_end], "validation": shuffled[train_end:validation_end], "test": shuffled[validation_end:]}


def main(argv=None):
    args = parse_args(argv)
    data = read_input(args.data_dir)
    if len(data) < 20:
        raise SystemExit(f"need at least 20 rows to split; got {len(data)}")
    for name, rows in split(transform(data), args.seed).items():
        directory = getattr(args, f"{name}_dir") or os.path.join(args.output_dir, name)
        os.makedirs(directory, exist_ok=True)
        pd.DataFrame(rows).to_csv(os.path.join(directory, f"{name}.csv"), header=False, index=False)
        print(f"wrote {len(rows)} rows to {directory}/{name}.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
