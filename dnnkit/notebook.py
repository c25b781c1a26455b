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


def helpers_for(source, nb, skip=(), rounds=3):
    """`source` with, before it, the definitions (def, class, a named constant or lambda) that
    other cells of `nb` give names `source` reads but does not define, such as a `tanh_prime`
    helper in a cell of its own: the notebook's function finds them, so the judged one does
    too. Names in `skip` (the graded functions: the judge's stubs) and builtins are never taken;
    helpers of helpers are found up to `rounds` deep."""
    import builtins
    global _last_index
    if _last_index[0] is not nb:
        _top_definitions(nb, ())
    index = _last_index[1]
    if not (set(re.findall(r"[A-Za-z_]\w*", source)) & set(index)) - set(skip):
        return source   # most functions: no name defined elsewhere (regexes, no tree walk)
    found = _top_definitions(nb, set(index) - set(skip))
    added = []
    for _ in range(rounds):
        code = "\n\n".join(added + [source])
        wanted = sorted(_free_names(code) - set(skip) - set(dir(builtins)))
        new = [found[n] for n in wanted if n in found and found[n] not in added]
        if not new:
            break
        added = list(dict.fromkeys(new)) + added
    return "\n\n".join(added + [source])


def _free_names(code):
    """The names `code` reads and never binds (one walk of its tree)."""
    read, bound = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return read - bound


# What may be a top-level definition: a def or class, or a name given a lambda or a literal.
_TOP_NAME = re.compile(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=\s*(?:lambda\b|[-+.\d'\"\[({]|True\b|False\b|None\b)", re.M)
_last_index = (None, {})   # (notebook, {name: code cells that may define it}): asked per function


def _top_definitions(nb, names):
    """{name: source} of the top-level definitions (def, class, a named constant or lambda) of
    `names` in `nb`'s code cells, the last one winning as when the notebook runs top to bottom.
    Cells are found by a regex over their text and parsed only when they may define one."""
    global _last_index
    if _last_index[0] is not nb:
        index = {}
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                for match in _TOP_NAME.finditer(cell.source):
                    index.setdefault(match.group(1) or match.group(2), []).append(cell)
        _last_index = (nb, index)
    found = {}
    cells = [c for c in nb.cells if any(c is d for n in names for d in _last_index[1].get(n, ()))]
    for cell in cells:
        try:
            tree = ast.parse(_without_magics(cell.source))
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
                found[node.name] = node
            elif _named_constant(node):
                found.update({t.id: node for t in node.targets if t.id in names})
    return {name: ast.unparse(node) for name, node in found.items()}


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
    (prints, or code that patches numpy or the tests). A constant or a lambda given a name
    (`HIDDEN_UNITS = 4`, `tanh_prime = lambda A: 1 - A ** 2`) is a definition too: it runs
    nothing.
    """
    tree = ast.parse(_without_magics(source))
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    return "\n\n".join(ast.unparse(n) for n in tree.body if isinstance(n, keep) or _named_constant(n))


def _named_constant(node):
    """`NAME = <a literal or a lambda>` (names only on the left)."""
    if not (isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets)):
        return False
    if isinstance(node.value, ast.Lambda):
        return True
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


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
