"""Student notebooks made from the release: solved, blank, or with a known mistake.

They drive `make demo` (a small sample class), the grading catalogue in the tests and the
benchmarks. A solved function is the reference cell without its solution markers, as a student
who solved it would have it; a variant (mistake or style) is a text edit of that cell.
"""
import copy
import os

import nbformat

from dnnkit import assignments, notebook


def release_notebook_path(root, assignment):
    folder = os.path.join(root, "release", assignment)
    names = [f for f in sorted(os.listdir(folder)) if f.endswith(".ipynb")]
    return os.path.join(folder, names[0])


def make(release_nb, source_nb, solved=(), variants=(), replace=None):
    """A student notebook: `solved` functions filled in from the reference, then `variants`
    (Variant objects) applied; `replace` maps a function name to a cell source written out."""
    nb = copy.deepcopy(release_nb)
    reference = notebook.reference_cells(source_nb)
    by_function = {}
    for v in variants:
        by_function.setdefault(v.function, []).append(v)
    for cell in nb.cells:
        name = notebook.graded_name(cell)
        if not name:
            continue
        if replace and name in replace:
            cell.source = replace[name]
        elif name in solved or name in by_function:
            source = reference[name]
            for variant in by_function.get(name, []):
                source = variant.apply(source)
            cell.source = source
    return nb


def write(root, assignment, student, nb, notebook_name=None):
    """Put `nb` into submitted/<student>/<assignment>/ as nbgrader collects it."""
    folder = os.path.join(root, "submitted", student, assignment)
    os.makedirs(folder, exist_ok=True)
    name = notebook_name or os.path.basename(release_notebook_path(root, assignment))
    nbformat.write(nb, os.path.join(folder, name))
    with open(os.path.join(folder, "timestamp.txt"), "w") as f:
        f.write("2026-11-27 09:00:00.000000 UTC")
    return folder


def one_style_each(styles):
    """The first style of each function: two styles of one function may edit the same line."""
    chosen = {}
    for style in styles:
        chosen.setdefault(style.function, style)
    return list(chosen.values())


# The sample class: the same seven students in every assignment, so the scores, CSVs and
# reports of `make demo` show one class (no student "missing" from an assignment).
SAMPLE_STUDENTS = ("ada_complete", "ben_blank", "cai_partial", "dee_styles")
MISTAKE_STUDENTS = ("eli_mistake", "fay_mistake", "gus_mistake")   # one DEMO_MISTAKES entry each


def sample_class(root, assignment):
    """Seven students: complete, blank, partly done, other correct styles, and three with one
    typical mistake each (the assignment's DEMO_MISTAKES, in order). Returns {student:
    description}."""
    spec = assignments.load(assignment)
    release_nb = notebook.read(release_notebook_path(root, assignment))
    source_nb = notebook.read(notebook.source_notebook_path(
        root, assignment, os.path.splitext(os.path.basename(release_notebook_path(root, assignment)))[0]))
    functions = notebook.graded_functions(source_nb)
    by_key = {f"{m.function}/{m.key}": m for m in spec.mistakes}
    if len(spec.demo_mistakes) != len(MISTAKE_STUDENTS):
        raise ValueError(f"{assignment}: DEMO_MISTAKES lists {len(spec.demo_mistakes)} mistakes; the "
                         f"sample class has {len(MISTAKE_STUDENTS)} students with one each")
    mistakes = [by_key[k] for k in spec.demo_mistakes]
    half = len(functions) // 2
    students = {
        "ada_complete": ("every function correct", make(release_nb, source_nb, functions)),
        "ben_blank": ("the untouched release", release_nb),
        "cai_partial": (f"only the first {half} of {len(functions)} functions done",
                        make(release_nb, source_nb, functions[:half])),
        "dee_styles": ("every function correct, in other accepted styles",
                       make(release_nb, source_nb, functions, one_style_each(spec.styles))),
    }
    for student, mistake in zip(MISTAKE_STUDENTS, mistakes):
        students[student] = (f"one mistake in {mistake.function}: {mistake.key}",
                             make(release_nb, source_nb, functions, [mistake]))
    for student, (_, nb) in students.items():
        write(root, assignment, student, nb)
    return {s: d for s, (d, _) in students.items()}
