"""Checks every job step of pipeline definitions against the SageMaker API's request shapes.

Each Processing, Training and RegisterModel step's Arguments are the request of CreateProcessingJob,
CreateTrainingJob and CreateModelPackage (the job name the service adds is filled in). They are
checked against the SageMaker service model botocore ships (the API's own JSON model): required
members, types, and the min/max lengths, item counts, ranges, enums and patterns botocore's own
validator leaves out. Pipeline expressions (Get, Std:Join, Std:JsonGet) stand for values known only
at run time: they are given a value of the type the member wants and their limits are not checked.

botocore comes with moto[server], which the TypeScript tests already need.

Usage: request_shapes.py DEFINITION.json...   (exit 0: all valid; 1: the problems, one a line)
"""
import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator

OPERATIONS = {"Processing": "CreateProcessingJob", "Training": "CreateTrainingJob", "RegisterModel": "CreateModelPackage"}
JOB_NAMES = {"Processing": "ProcessingJobName", "Training": "TrainingJobName"}
EXPRESSIONS = {"Get", "Std:Join", "Std:JsonGet"}


class RunTimeValue(str):
    """A string standing for a pipeline expression: its limits are not checked."""


def fill(value, shape):
    """The request with every expression replaced by a value of the member's type."""
    if isinstance(value, dict) and set(value) & EXPRESSIONS:
        if shape.type_name == "string":
            return RunTimeValue(shape.metadata["enum"][0] if "enum" in shape.metadata else "expression")
        return {"integer": 1, "long": 1, "float": 1.0, "double": 1.0, "boolean": True}[shape.type_name]
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: fill(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [fill(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: fill(v, shape.value) for k, v in value.items()}
    return value


def limits(value, shape, where, out):
    """Appends to `out` each length, count, range, enum and pattern the value breaks."""
    md = shape.metadata
    kind = shape.type_name
    if kind == "string" and isinstance(value, str) and not isinstance(value, RunTimeValue):
        if len(value) > md.get("max", len(value)) or len(value) < md.get("min", 0):
            out.append(f"{where}: length {len(value)} is outside {md.get('min', 0)}-{md.get('max')}")
        if "enum" in md and value not in md["enum"]:
            out.append(f"{where}: {value!r} is not one of {md['enum']}")
        # Python's re lacks \p{...} classes; those patterns are left to the service.
        if "pattern" in md and "\\p" not in md["pattern"] and not re.fullmatch(md["pattern"], value, re.S):
            out.append(f"{where}: {value!r} does not match {md['pattern']}")
    elif kind in ("integer", "long") and isinstance(value, int):
        if value > md.get("max", value) or value < md.get("min", value):
            out.append(f"{where}: {value} is outside {md.get('min')}-{md.get('max')}")
    elif kind == "list" and isinstance(value, list):
        if len(value) > md.get("max", len(value)):
            out.append(f"{where}: {len(value)} items, at most {md['max']} allowed")
        for i, item in enumerate(value):
            limits(item, shape.member, f"{where}[{i}]", out)
    elif kind == "map" and isinstance(value, dict):
        if len(value) > md.get("max", len(value)):
            out.append(f"{where}: {len(value)} entries, at most {md['max']} allowed")
        for key, item in value.items():
            limits(key, shape.key, f"{where} key {key[:40]!r}", out)
            limits(item, shape.value, f"{where}.{key[:40]}", out)
    elif kind == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                limits(item, shape.members[key], f"{where}.{key}", out)


def steps_of(steps):
    for step in steps:
        yield step
        arguments = step.get("Arguments", {})
        yield from steps_of(arguments.get("IfSteps", []))
        yield from steps_of(arguments.get("ElseSteps", []))


def problems(definition, model):
    out = []
    for step in steps_of(definition.get("Steps", [])):
        operation = OPERATIONS.get(step["Type"])
        if not operation:
            continue
        shape = model.operation_model(operation).input_shape
        request = dict(step["Arguments"])
        if step["Type"] in JOB_NAMES:
            request[JOB_NAMES[step["Type"]]] = "job-name"
        request = fill(request, shape)
        report = ParamValidator().validate(request, shape)
        if report.has_errors():
            out.extend(f"step {step['Name']} ({operation}): {line.strip()}" for line in report.generate_report().splitlines() if line.strip() and not line.startswith("Parameter validation failed"))
        found = []
        limits(request, shape, step["Name"], found)
        out.extend(f"step {line} ({operation})" for line in found)
    return out


def main(files):
    model = botocore.session.get_session().get_service_model("sagemaker")
    found = [f"{name}: {line}" for name in files for line in problems(json.load(open(name)), model)]
    print("\n".join(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
