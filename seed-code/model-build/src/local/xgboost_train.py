"""Local stand-in for SageMaker's built-in XGBoost algorithm (File mode, text/csv channels).

Equivalent: headerless CSV channels with the label in the first column, every `*.csv` of a
channel concatenated, `num_round` boosting rounds with the other hyperparameters passed to
`xgboost.train`, the `validation` channel as evaluation set, and the model saved as
`xgboost-model` inside `model.tar.gz`, the file the evaluation scripts and the endpoint load.
Not equivalent: the container's own hyperparameter validation and defaults, distributed
training, Pipe/FastFile modes, libsvm/parquet/recordio input, CSV weights, checkpoints and
spot interruptions, and the xgboost version (the local package's, not the container's).
"""
import argparse
import glob
import json
import os
import sys
import tarfile

import pandas as pd
import xgboost


def load(directory):
    files = sorted(glob.glob(os.path.join(directory, "**", "*.csv"), recursive=True))
    if not files:
        raise SystemExit(f"no .csv file found in channel folder {directory}")
    frame = pd.concat([pd.read_csv(name, header=None) for name in files], ignore_index=True)
    return xgboost.DMatrix(frame.iloc[:, 1:].to_numpy(dtype=float), label=frame.iloc[:, 0].to_numpy(dtype=float))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hyperparameters", required=True, help="JSON object of string values")
    parser.add_argument("--channel", action="append", default=[], help="name=folder")
    parser.add_argument("--model-dir", required=True)
    args = parser.parse_args(argv)
    params = {key: str(value) for key, value in json.loads(args.hyperparameters).items()}
    rounds = int(params.pop("num_round", "10"))
    channels = dict(item.split("=", 1) for item in args.channel)
    if "train" not in channels:
        raise SystemExit("the built-in XGBoost algorithm needs a 'train' channel")
    evals = [(load(channels["validation"]), "validation")] if "validation" in channels else []
    booster = xgboost.train(params, load(channels["train"]), num_boost_round=rounds, evals=evals, verbose_eval=False)
    os.makedirs(args.model_dir, exist_ok=True)
    model_file = os.path.join(args.model_dir, "xgboost-model")
    booster.save_model(model_file)
    with tarfile.open(os.path.join(args.model_dir, "model.tar.gz"), "w:gz") as tar:
        tar.add(model_file, arcname="xgboost-model")
    os.remove(model_file)
    print(f"trained {rounds} rounds; wrote {args.model_dir}/model.tar.gz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
