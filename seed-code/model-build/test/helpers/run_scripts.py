"""Runs several Python scripts as `python3 <script> <args>` would, in ONE interpreter.

Starting Python and importing pandas, scikit-learn and xgboost takes seconds on a small machine;
the scripts' own work on the tests' samples takes a fraction of that. This driver imports the
three once, then runs each job's script as __main__ (runpy, with its argv and its folder first on
sys.path, as the interpreter does), in order, with file descriptors 1 and 2 sent to the job's own
files (so output of native code is captured too), a fresh warnings state per job (a warning
shown in one job is shown again in the next), and the exit status the interpreter would give:
SystemExit(int) -> that int, SystemExit(str) -> the message on stderr and 1, an uncaught
exception -> its traceback on stderr and 1.

Usage: run_scripts.py JOBS.json RESULTS.json
  JOBS.json:    [{"argv": [script, arg, ...], "stdout": file, "stderr": file}, ...]
  RESULTS.json: [status, ...] in the same order
"""
import json
import os
import runpy
import sys
import traceback
import warnings

import pandas  # noqa: F401  (imported once for all jobs)
import sklearn  # noqa: F401
import xgboost  # noqa: F401


def run(job):
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fds = os.dup(1), os.dup(2)
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    status = 0
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            sys.argv = list(job["argv"])
            sys.path.insert(0, os.path.dirname(os.path.abspath(job["argv"][0])))
            with warnings.catch_warnings():
                try:
                    runpy.run_path(job["argv"][0], run_name="__main__")
                except SystemExit as e:
                    if e.code is None:
                        status = 0
                    elif isinstance(e.code, int):
                        status = e.code
                    else:
                        print(e.code, file=sys.stderr)
                        status = 1
                except BaseException:  # noqa: B902 - reported like the interpreter does
                    traceback.print_exc()
                    status = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            os.close(saved_fds[0])
            os.close(saved_fds[1])
            sys.argv, sys.path[:] = saved_argv, saved_path
    return status


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    statuses = [run(job) for job in jobs]
    with open(sys.argv[2], "w") as f:
        json.dump(statuses, f)


if __name__ == "__main__":
    main()
