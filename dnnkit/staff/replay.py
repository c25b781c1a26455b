"""`dnnkit replay`: judge one student's functions again, as grading did, and show course staff
the hidden inputs behind each verdict (for a disputed grade; never shown to students).

The judge draws each function's hidden cases from a seed of the student and the function
(dnnkit.judging.judge.case_seed, with the course's c.JudgeGradedFunctions.secret), so replaying gives the
recorded verdict as long as the submission, the source and the hidden-case definitions are
unchanged; the recorded seed is in the autograded notebook's test cell metadata.
"""
import glob
import os
import shutil
import sys

import numpy as np


def replay(root, assignment, student, functions=None, out=sys.stdout):
    """Print each function's verdict now, the recorded one, its seed and its hidden inputs.
    Returns {function: Verdict}."""
    from dnnkit.batch import engine
    from dnnkit.judging import judge as judge_mod
    from dnnkit import notebook
    from dnnkit.staff import results
    from dnnkit.host import sandbox
    from dnnkit.staff.course import NOTHING_TO_DO, USAGE, stop
    config, coursedir = engine.load_config(root)
    sources = sorted(glob.glob(os.path.join(root, "source", assignment, "*.ipynb")))
    if not sources:
        stop(f"dnnkit replay: no source notebook in {os.path.join(root, 'source', assignment)}",
             NOTHING_TO_DO)
    name = os.path.splitext(os.path.basename(sources[0]))[0]
    folder = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    path = os.path.join(folder, name + ".ipynb")
    if not os.path.isdir(folder):
        others = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(
            coursedir.format_path(coursedir.submitted_directory, "*", assignment)) if os.path.isdir(p))
        stop(f"dnnkit replay: unknown student '{student}': no such submission (no "
             f"{os.path.relpath(folder, root)}{os.sep}; students with a submission of {assignment}: "
             f"{', '.join(others[:10]) + (' ...' if len(others) > 10 else '') or 'none'})", USAGE)
    if not os.path.isfile(path):
        stop(f"dnnkit replay: {student} submitted no {name}.ipynb in "
             f"{os.path.relpath(folder, root)}{os.sep}: nothing to replay", NOTHING_TO_DO)
    submitted = notebook.read(path)   # a notebook that is not one: NotebookError, naming it
    settings = judge_mod.JudgeGradedFunctions(config=config)
    judge = judge_mod.cached_judge(assignment, sources[0])
    judge.timeout, judge.memory_bytes, judge.secret = settings.timeout, settings.memory_mb << 20, settings.secret
    unknown = sorted(set(functions or ()) - set(judge.functions))
    if unknown:
        stop(f"dnnkit replay: {assignment} has no graded function {', '.join(unknown)} "
             f"(it has {', '.join(judge.functions)})", USAGE)
    recorded = results.verdicts_of(root, assignment, student)
    work = _working_copy(folder, os.path.join(root, "release", assignment))
    try:
        with sandbox.working_copy(work, parent=settings) as session:
            verdicts = judge.judge(submitted, student, functions, session=session)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for function, verdict in verdicts.items():
        before = recorded.get(function)
        out.write(f"\n{function}: {'right' if verdict.passed else 'wrong'}"
                  f"{': ' + verdict.message if verdict.message else ''}\n")
        if before is None:
            out.write("  (no recorded verdict: not graded yet)\n")
        elif (before.passed, before.message) == (verdict.passed, verdict.message):
            out.write("  the same as recorded\n")
        else:
            seed = "none" if before.seed is None else f"{before.seed:016x}"
            out.write(f"  recorded: {'right' if before.passed else 'wrong'} "
                      f"{before.message} (the submission, source or hidden cases changed "
                      f"since, or the recorded seed {seed} is not this one)\n")
        out.write(f"  seed {verdict.seed:016x}; its {verdict.cases} hidden cases:\n")
        for i, case in enumerate(judge.hidden_cases(function, verdict.seed), 1):
            out.write(f"  case {i}: {show(case.args)}"
                      f"{' ' + show(case.kwargs) if case.kwargs else ''}"
                      f"{f' (np.random.seed({case.seed}) first)' if case.seed is not None else ''}\n")
    return verdicts


def _working_copy(submitted, release):
    """What the judge's student process sees, as in grading: the submission's files with the
    released ones (dnn_utils, testCases) over them; links left out."""
    from dnnkit.host.kernel_relay import folder_files
    from dnnkit.host.sandbox import scratch_dir
    work = scratch_dir("dnnkit-replay-")
    os.chmod(work, 0o755)   # mkdtemp's 0700 would keep the student process out
    files = {**folder_files(submitted), **folder_files(release)}
    for rel, data in files.items():
        if not rel.endswith(".ipynb"):
            os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
            with open(os.path.join(work, rel), "wb") as f:
                f.write(data)
    return work


def show(value, width=160):
    """A short one-line picture of a hidden input."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=8, edgeitems=2, max_line_width=10 ** 6)
        return f"array{value.shape} " + " ".join(text.split())[:width]
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v, 60)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(show(v, 80) for v in value) + ")"
    return repr(value)[:width]
