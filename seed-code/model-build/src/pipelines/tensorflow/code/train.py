"""Train the TensorFlow regression model of the tensorflow pipeline (abalone rings).

Runs as the training job's entry point on the project's image (containers/tensorflow/, built FROM
SageMaker's TensorFlow training container): `python3 /opt/ml/input/data/code/train.py --epochs 100
...`, the hyperparameters as arguments. Reads the headerless CSVs (label first) of the `train` and
`validation` channels, fits a small dense network on the mean squared error, and writes to the
model folder what SageMaker's TensorFlow serving container loads: a SavedModel in `1/` and
`code/inference.py` (CSV in, one number per row out).
"""
import argparse
import os
import shutil
import sys

from common import mean_squared_error, read_split

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", "--batch_size", dest="batch_size", type=int, default=64)
    parser.add_argument("--learning-rate", "--learning_rate", dest="learning_rate", type=float, default=0.001)
    parser.add_argument("--hidden-units", "--hidden_units", dest="hidden_units", default="64,32", help="comma-separated layer widths")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train-dir", default="/opt/ml/input/data/train")
    parser.add_argument("--validation-dir", default="/opt/ml/input/data/validation")
    parser.add_argument("--model-dir", default="/opt/ml/model")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1; got {getattr(args, name)}")
    if not args.learning_rate > 0:
        parser.error(f"--learning-rate must be above 0; got {args.learning_rate}")
    try:
        args.hidden_units = [int(width) for width in args.hidden_units.split(",") if width.strip()]
    except ValueError:
        parser.error(f"--hidden-units must be comma-separated integers; got '{args.hidden_units}'")
    if not args.hidden_units or min(args.hidden_units) < 1:
        parser.error("--hidden-units needs at least one layer width of 1 or more")
    return args


def import_tensorflow():
    """TensorFlow, or a one-line exit saying where it is."""
    try:
        import tensorflow as tf  # noqa: PLC0415 (only training needs it)
    except ImportError:
        raise SystemExit(
            "train.py needs TensorFlow: run it on the project image (containers/tensorflow/) or install tensorflow-cpu==2.19.0"
        )
    return tf


def train(args):
    tf = import_tensorflow()
    tf.keras.utils.set_random_seed(args.seed)
    x_train, y_train = read_split(args.train_dir)
    x_val, y_val = read_split(args.validation_dir)
    if x_val.shape[1] != x_train.shape[1]:
        raise SystemExit(f"validation has {x_val.shape[1]} features but train has {x_train.shape[1]}")
    layers = [tf.keras.Input(shape=(x_train.shape[1],), name="features")]
    layers += [tf.keras.layers.Dense(width, activation="relu") for width in args.hidden_units]
    layers.append(tf.keras.layers.Dense(1))
    model = tf.keras.Sequential(layers)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=args.learning_rate), loss="mse")
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, validation_data=(x_val, y_val), verbose=2)
    mse, _ = mean_squared_error(y_val, model.predict(x_val, verbose=0))
    print(f"validation_mse={mse:.6f}")
    export = os.path.join(args.model_dir, "1")
    if hasattr(model, "export"):
        model.export(export)
    else:
        tf.saved_model.save(model, export)
    os.makedirs(os.path.join(args.model_dir, "code"), exist_ok=True)
    shutil.copy(os.path.join(HERE, "inference.py"), os.path.join(args.model_dir, "code", "inference.py"))
    return mse


def main(argv=None):
    train(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
