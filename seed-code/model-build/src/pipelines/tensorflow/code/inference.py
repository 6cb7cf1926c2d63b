"""Request and response handlers for SageMaker's TensorFlow serving container.

train.py copies this file into the model archive as `code/inference.py`, where the serving
container finds it: a `text/csv` request (one row of features per line) becomes TensorFlow
Serving's `{"instances": [...]}`, and the answer is one number per row, as CSV for
`Accept: text/csv` (what the deploy repository's smoke test sends) or JSON otherwise.
"""
import json


def input_handler(data, context):
    body = data.read().decode("utf-8") if hasattr(data, "read") else data
    content_type = context.request_content_type
    if content_type == "application/json":
        return body
    if content_type != "text/csv":
        raise ValueError(f"unsupported content type {content_type}; send text/csv or application/json")
    rows = [line for line in body.splitlines() if line.strip()]
    if not rows:
        raise ValueError("empty text/csv request")
    return json.dumps({"instances": [[float(value) for value in row.split(",")] for row in rows]})


def output_handler(response, context):
    if response.status_code != 200:
        raise ValueError(response.content.decode("utf-8"))
    predictions = json.loads(response.content)["predictions"]
    values = [prediction[0] if isinstance(prediction, list) else prediction for prediction in predictions]
    if context.accept_header == "text/csv":
        return "\n".join(repr(float(value)) for value in values), "text/csv"
    return json.dumps({"predictions": values}), "application/json"
