"""Tests of the tensorflow pipeline's scripts (src/pipelines/tensorflow/code/) in plain Python.

Data handling, metrics, argument parsing, the serving handlers and the refusal without TensorFlow
run with numpy only. Training and evaluating a real model run only where TensorFlow is importable,
and are reported as skipped with the reason elsewhere (never a stand-in TensorFlow).

Run by test/python/tensorflow-scripts.test.ts (`python3 -m unittest -v test_tensorflow_scripts`
in this folder); TF_TRAIN_ARGS holds the pipeline's ContainerArguments as JSON.
"""
import contextlib
import importlib.util
import io
import json
import os
import sys
import tarfile
import tempfile
import types
import unittest

import numpy as np

CODE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "pipelines", "tensorflow", "code")
sys.path.insert(0, CODE)

import common  # noqa: E402
import evaluate  # noqa: E402
import inference  # noqa: E402
import train  # noqa: E402

HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
NO_TENSORFLOW = "TensorFlow is not importable by this Python; it runs where tensorflow-cpu is installed (e.g. on the project image)"


def write_split(directory, rows, features=10, seed=0, name="part.csv"):
    """A preprocessed-shaped split: label first, then standardized features, no header."""
    random = np.random.default_rng(seed)
    x = random.normal(size=(rows, features)).astype(np.float32)
    y = 10 + 3 * x[:, 0] - 2 * x[:, 1] + random.normal(scale=0.1, size=rows)
    os.makedirs(directory, exist_ok=True)
    np.savetxt(os.path.join(directory, name), np.column_stack([y, x]), delimiter=",", fmt="%.6f")
    return x, y


def exits(function, *args):
    """The SystemExit message (or code) of a call, with stderr captured."""
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        with unittest.TestCase().assertRaises(SystemExit) as caught:
            function(*args)
    return caught.exception.code, stderr.getvalue()


class ArgumentTest(unittest.TestCase):
    def test_the_pipelines_arguments_parse(self):
        args = train.parse_args(json.loads(os.environ["TF_TRAIN_ARGS"]))
        self.assertGreaterEqual(args.epochs, 1)
        self.assertGreaterEqual(args.batch_size, 1)
        self.assertGreater(args.learning_rate, 0)
        self.assertTrue(all(width >= 1 for width in args.hidden_units))
        self.assertEqual((args.train_dir, args.validation_dir, args.model_dir), ("/opt/ml/input/data/train", "/opt/ml/input/data/validation", "/opt/ml/model"))

    def test_values_and_both_spellings(self):
        args = train.parse_args(["--epochs", "3", "--batch_size", "8", "--learning-rate", "0.1", "--hidden-units", "16, 4"])
        self.assertEqual((args.epochs, args.batch_size, args.learning_rate, args.hidden_units), (3, 8, 0.1, [16, 4]))

    def test_bad_values_are_refused_by_name(self):
        for argv, message in [
            (["--epochs", "0"], "--epochs must be at least 1; got 0"),
            (["--learning-rate", "0"], "--learning-rate must be above 0; got 0.0"),
            (["--hidden-units", "64,x"], "--hidden-units must be comma-separated integers; got '64,x'"),
            (["--hidden-units", "0"], "--hidden-units needs at least one layer width of 1 or more"),
        ]:
            code, stderr = exits(train.parse_args, argv)
            self.assertEqual(code, 2)
            self.assertIn(message, stderr)


class DataTest(unittest.TestCase):
    def test_reads_every_csv_of_a_folder_label_first(self):
        folder = tempfile.mkdtemp()
        x1, y1 = write_split(folder, 5, seed=1, name="a.csv")
        x2, y2 = write_split(folder, 3, seed=2, name="b.csv")
        features, labels = common.read_split(folder)
        self.assertEqual(features.shape, (8, 10))
        np.testing.assert_allclose(labels, np.concatenate([y1, y2]), atol=1e-5)
        np.testing.assert_allclose(features, np.concatenate([x1, x2]), atol=1e-5)
        self.assertEqual(features.dtype, np.float32)

    def test_a_single_row_is_one_row(self):
        folder = tempfile.mkdtemp()
        write_split(folder, 1)
        features, labels = common.read_split(folder)
        self.assertEqual((features.shape, labels.shape), ((1, 10), (1,)))

    def test_bad_folders_stop_with_the_file_named(self):
        empty = tempfile.mkdtemp()
        self.assertEqual(exits(common.read_split, empty)[0], f"no .csv file found under {empty}")
        blank = tempfile.mkdtemp()
        open(os.path.join(blank, "x.csv"), "w").close()
        self.assertIn("x.csv is empty", str(exits(common.read_split, blank)[0]))
        text = tempfile.mkdtemp()
        with open(os.path.join(text, "h.csv"), "w") as handle:
            handle.write("rings,length\n1,2\n")
        self.assertIn("h.csv is not a numeric CSV (label first, no header)", str(exits(common.read_split, text)[0]))
        mixed = tempfile.mkdtemp()
        write_split(mixed, 2, features=3, name="a.csv")
        write_split(mixed, 2, features=4, name="b.csv")
        self.assertIn("different column counts: [4, 5]", str(exits(common.read_split, mixed)[0]))

    def test_mean_squared_error(self):
        mse, deviation = common.mean_squared_error([1, 2, 3], np.array([[1.5], [2.0], [2.0]]))
        self.assertAlmostEqual(mse, (0.25 + 0 + 1) / 3)
        self.assertAlmostEqual(deviation, float(np.std([-0.5, 0, 1])))
        with self.assertRaisesRegex(ValueError, "3 labels but 2 predictions"):
            common.mean_squared_error([1, 2, 3], [1, 2])

    def test_the_report_has_the_shape_the_gate_and_registration_read(self):
        evaluation, model_input = evaluate.report([1.0, 3.0], [2.0, 3.0], 10)
        self.assertEqual(evaluation, {"regression_metrics": {"mse": {"value": 0.5, "standard_deviation": 0.5}}})
        self.assertEqual(model_input, {"feature_count": 10})
        out = tempfile.mkdtemp()
        evaluate.write(out, evaluation, model_input)
        with open(os.path.join(out, "evaluation.json")) as handle:
            self.assertEqual(json.load(handle)["regression_metrics"]["mse"]["value"], 0.5)

    def test_a_model_archive_escaping_its_folder_is_refused(self):
        folder = tempfile.mkdtemp()
        archive = os.path.join(folder, "model.tar.gz")
        payload = os.path.join(folder, "x")
        open(payload, "w").close()
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(payload, arcname="../escape")
        self.assertEqual(exits(common.extract_model, archive, tempfile.mkdtemp())[0], "unsafe path in model archive: ../escape")
        self.assertIn("model archive not found", exits(common.extract_model, os.path.join(folder, "none.tar.gz"), folder)[0])


class ServingHandlerTest(unittest.TestCase):
    def context(self, content_type="text/csv", accept="text/csv"):
        return types.SimpleNamespace(request_content_type=content_type, accept_header=accept)

    def test_csv_rows_become_instances(self):
        body = io.BytesIO(b"1,2.5\n-3,4\n\n")
        self.assertEqual(json.loads(inference.input_handler(body, self.context())), {"instances": [[1.0, 2.5], [-3.0, 4.0]]})

    def test_one_number_per_row_for_csv_and_json(self):
        response = types.SimpleNamespace(status_code=200, content=json.dumps({"predictions": [[9.5], [10.25]]}).encode())
        self.assertEqual(inference.output_handler(response, self.context()), ("9.5\n10.25", "text/csv"))
        body, content_type = inference.output_handler(response, self.context(accept="application/json"))
        self.assertEqual((json.loads(body), content_type), ({"predictions": [9.5, 10.25]}, "application/json"))

    def test_bad_requests_and_errors_are_refused(self):
        with self.assertRaisesRegex(ValueError, "unsupported content type text/plain"):
            inference.input_handler(io.BytesIO(b"1"), self.context(content_type="text/plain"))
        with self.assertRaisesRegex(ValueError, "empty text/csv request"):
            inference.input_handler(io.BytesIO(b"\n"), self.context())
        with self.assertRaisesRegex(ValueError, "model failed"):
            inference.output_handler(types.SimpleNamespace(status_code=500, content=b"model failed"), self.context())


class TrainingTest(unittest.TestCase):
    @unittest.skipIf(HAS_TENSORFLOW, "TensorFlow is importable here: the training test runs instead")
    def test_without_tensorflow_training_stops_in_one_line(self):
        folder = tempfile.mkdtemp()
        write_split(os.path.join(folder, "train"), 4)
        write_split(os.path.join(folder, "validation"), 4)
        args = train.parse_args(["--train-dir", os.path.join(folder, "train"), "--validation-dir", os.path.join(folder, "validation"), "--model-dir", folder])
        message = exits(train.train, args)[0]
        self.assertEqual(message, "train.py needs TensorFlow: run it on the project image (containers/tensorflow/) or install tensorflow-cpu==2.19.0")

    @unittest.skipUnless(HAS_TENSORFLOW, NO_TENSORFLOW)
    def test_trains_exports_for_serving_and_evaluates(self):
        folder = tempfile.mkdtemp()
        write_split(os.path.join(folder, "train"), 256, seed=1)
        write_split(os.path.join(folder, "validation"), 64, seed=2)
        write_split(os.path.join(folder, "test"), 64, seed=3)
        model_dir = os.path.join(folder, "model")
        with contextlib.redirect_stdout(io.StringIO()):
            mse = train.train(train.parse_args([
                "--epochs", "60", "--learning-rate", "0.01", "--train-dir", os.path.join(folder, "train"),
                "--validation-dir", os.path.join(folder, "validation"), "--model-dir", model_dir,
            ]))
        self.assertLess(mse, 2.0)
        self.assertTrue(os.path.exists(os.path.join(model_dir, "1", "saved_model.pb")))
        self.assertTrue(os.path.exists(os.path.join(model_dir, "code", "inference.py")))
        # What SageMaker does after the job: the model folder becomes model.tar.gz.
        archive_dir = os.path.join(folder, "artifact")
        os.makedirs(archive_dir)
        with tarfile.open(os.path.join(archive_dir, "model.tar.gz"), "w:gz") as tar:
            for entry in os.listdir(model_dir):
                tar.add(os.path.join(model_dir, entry), arcname=entry)
        out = os.path.join(folder, "evaluation")
        with contextlib.redirect_stdout(io.StringIO()):
            evaluate.main(["--model-dir", archive_dir, "--test-dir", os.path.join(folder, "test"), "--evaluation-dir", out])
        with open(os.path.join(out, "evaluation.json")) as handle:
            self.assertLess(json.load(handle)["regression_metrics"]["mse"]["value"], 2.0)
        with open(os.path.join(out, "model-input.json")) as handle:
            self.assertEqual(json.load(handle), {"feature_count": 10})


if __name__ == "__main__":
    unittest.main()
