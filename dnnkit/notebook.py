"""Reading the kit's notebooks: graded cells, the reference solution, a student's code."""
import ast
import os
import re

import nbformat

from dnnkit.outcome import TEST_PREFIX, function_of

GRADED_HEADER = re.compile(r"^\s*#\s*GRADED FUNCTION:\s*(\w+)", re.M)
SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


class NotebookError(ValueError):
    """A notebook that cannot be used, with the file named in the message."""


def read(path):
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such notebook") from None
    except Exception as error:  # invalid JSON, wrong format, ...
        raise NotebookError(f"{path}: not a readable notebook ({type(error).__name__}: {error})") from None


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def graded_name(cell):
    """The function a `# GRADED FUNCTION: name` cell defines, or None."""
    if cell.cell_type != "code":
        return None
    match = GRADED_HEADER.match(cell.source)
    return match.group(1) if match else None


def graded_functions(nb):
    """Names of the graded functions, in notebook order (from their test cells' grade ids)."""
    return [function_of(nbgrader_meta(c)["grade_id"]) for c in nb.cells
            if is_test_cell(c) and nbgrader_meta(c).get("grade_id", "").startswith(TEST_PREFIX)]


def strip_solution_markers(source):
    """The solution cell as a student who solved it would have it."""
    return "\n".join(l for l in source.split("\n") if not SOLUTION_MARKER.match(l))


def reference_cells(source_nb):
    """{name: source} of the reference solution's graded cells, without solution markers."""
    return {graded_name(c): strip_solution_markers(c.source)
            for c in source_nb.cells if graded_name(c)}


def setup_code(nb):
    """The import statements of the notebook's ordinary code cells (not graded, not tests)."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code" or graded_name(cell) or is_test_cell(cell):
            continue
        try:
            tree = ast.parse(_without_magics(cell.source))
        except (SyntaxError, RecursionError, MemoryError, ValueError):   # not readable: no imports
            continue
        lines += [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    return "\n".join(lines)


def names_used(code):
    """Every name `code` reads or binds (ast.Name nodes)."""
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


def imports_used(imports, used):
    """The statements of `imports` that bind a name in the set `used`, and star imports.

    The judge runs each graded function with only these: the rest of a notebook's imports
    (plotting libraries take a second or more to import) would be paid for every function.
    """
    kept = []
    for node in ast.parse(imports).body:
        bound = {(a.asname or a.name).split(".")[0] for a in node.names}
        if "*" in bound or used & bound:
            kept.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(kept))   # each once


def _without_magics(source):
    return "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in source.split("\n"))


def definitions_only(source):
    """Keep a cell's imports and definitions; drop every other top-level statement.

    What a function does is then judged on its own, not on what else the cell runs
    (prints, or code that patches numpy or the tests).
    """
    tree = ast.parse(_without_magics(source))
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    return "\n\n".join(ast.unparse(n) for n in tree.body if isinstance(n, keep))


def student_cell(nb, name):
    """The student's cell for graded function `name`: the solution cell with that grade id,
    else the cell headed `# GRADED FUNCTION: name`, else the last cell that defines it."""
    for cell in nb.cells:
        if cell.cell_type == "code" and nbgrader_meta(cell).get("solution") \
                and nbgrader_meta(cell).get("grade_id") == name:
            return cell
    for cell in nb.cells:
        if graded_name(cell) == name:
            return cell
    found = None
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(rf"^def {re.escape(name)}\s*\(", cell.source, re.M):
            found = cell
    return found


def source_notebook_path(root, assignment, notebook):
    return os.path.join(root, "source", assignment, notebook + ".ipynb")
