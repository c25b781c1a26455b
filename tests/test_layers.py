"""The package's folders are its layers: a module imports only from its own layer or below.

Lowest first. `inside` runs in the sandbox, which mounts that folder alone (so it imports
nothing else of dnnkit); the course's own packages (testCases, dnn_utils) are what students
use and import nothing of dnnkit at all.
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["inside", "common", "host", "judging", "plugins", "batch", "staff"]
COMMON = ("dnnkit.notebook", "dnnkit.outcome", "dnnkit.context", "dnnkit.assignments")


def layer(module):
    """The layer of a dnnkit module name ("dnnkit.batch.engine" -> "batch")."""
    if module == "dnnkit" or module.startswith(COMMON):
        return "common"
    return module.split(".")[1]


def modules():
    for folder in ("dnnkit", "testCases", "dnn_utils"):
        for where, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(where, name)
                    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    yield rel.removesuffix(".__init__"), path


def imported(path):
    """Every module a file imports, at its top or inside a function."""
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            if node.module == "dnnkit":   # from dnnkit import engine: the module dnnkit.engine
                yield from (f"dnnkit.{alias.name}" for alias in node.names)


def test_every_module_is_in_a_layer():
    for module, _ in modules():
        if module.startswith("dnnkit"):
            assert layer(module) in LAYERS, f"{module} is in no layer"


@pytest.mark.parametrize("module,path", sorted(modules()), ids=lambda v: v if "." in v and "/" not in v else "")
def test_no_module_imports_from_a_layer_above_it(module, path):
    for name in imported(path):
        if not name.startswith("dnnkit"):
            continue
        if not module.startswith("dnnkit"):
            pytest.fail(f"{module} (shipped to students) imports {name}")
        if layer(module) == "inside":
            assert layer(name) == "inside" or name == "dnnkit", \
                f"{module} runs in the sandbox, which sees only dnnkit/inside, but imports {name}"
        assert LAYERS.index(layer(name)) <= LAYERS.index(layer(module)), \
            f"{module} ({layer(module)}) imports {name} ({layer(name)}), a layer above it"


def test_the_sandbox_sees_the_inside_folder_and_nothing_else_of_dnnkit():
    from dnnkit.host import sandbox
    args = sandbox.bwrap_command("/nonexistent-box")
    package = os.path.join(ROOT, "dnnkit")
    shown = [args[i + 2] for i, a in enumerate(args) if a == "--ro-bind" and args[i + 2].startswith(package)]
    assert sorted(shown) == [os.path.join(package, "__init__.py"), os.path.join(package, "inside")]
    hidden = args.index(package) - 1
    assert args[hidden] == "--tmpfs", "the rest of the package is under an empty tmpfs"
