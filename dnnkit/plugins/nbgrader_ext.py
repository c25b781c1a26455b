"""The kit's nbgrader extensions, registered through nbgrader's own configuration."""
import ast
import os
import re
import shutil
import textwrap

from nbgrader.preprocessors import ClearSolutions

PLACEHOLDER_STUB = "{indent}{targets} = {values}"


def placeholders(solution_lines):
    """Turn the solution lines of one region into placeholder lines of the same shape, as the
    original course shows them: each assignment keeps its target with `None` on the right
    (`grads["dA" + str(L - 1)] = None`, `A, cache = None, None`), a method call statement keeps
    its callee with `None` arguments (`caches.append(None)`; a print is left out), a `for` loop keeps its header around
    the placeholders of its body. Targets are copied as written in the solution. A region with
    nothing to keep becomes `pass`, so loops stay valid."""
    indent = min((re.match(r"\s*", l).group(0) for l in solution_lines if l.strip()), key=len, default="")
    text = textwrap.dedent("\n".join(solution_lines))
    stubs = _stubs(ast.parse(text).body, text, indent)
    return stubs or [indent + "pass"]


def _stubs(body, text, indent):
    def written(node):
        return ast.get_source_segment(text, node)
    stubs = []
    for node in body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                values = len(target.elts) if isinstance(target, ast.Tuple) else 1
                stubs.append(f"{indent}{written(target)} = {', '.join(['None'] * values)}")
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            stubs.append(f"{indent}{written(node.target)} = None")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute):   # caches.append(...), not print(...)
            call = node.value
            stubs.append(f"{indent}{written(call.func)}({', '.join(['None'] * len(call.args))})")
        elif isinstance(node, ast.For):
            inner = _stubs(node.body, text, indent + "    ") or [indent + "    pass"]
            stubs += [f"{indent}for {written(node.target)} in {written(node.iter)}:", *inner]
        elif isinstance(node, (ast.If, ast.While, ast.With, ast.Try)):
            for part in (node.body, getattr(node, "orelse", [])):
                stubs += _stubs(part, text, indent)
    return stubs


class ClearSolutionsWithPlaceholders(ClearSolutions):
    """nbgrader's ClearSolutions, but each code region becomes placeholders instead of
    `raise NotImplementedError()`: the student notebook runs and the tests say what is missing."""

    def _replace_solution_region(self, cell, language):
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        new_lines, region, in_solution, replaced = [], [], False, False
        for line in cell.source.split("\n"):
            if self.begin_solution_delimeter in line:
                if in_solution:
                    raise RuntimeError("encountered nested begin solution statements")
                in_solution, replaced, region = True, True, []
            elif self.end_solution_delimeter in line:
                if not in_solution:
                    raise RuntimeError("END SOLUTION without BEGIN SOLUTION")
                new_lines.extend(placeholders(region))
                in_solution = False
            elif in_solution:
                region.append(line)
            else:
                new_lines.append(line)
        if in_solution:
            raise RuntimeError("no end solution statement found")
        cell.source = "\n".join(new_lines)
        return replaced


def _copy_timestamp_only(converter, assignment_id, student_id):
    source = converter._format_source(assignment_id, student_id)
    dest = converter._format_dest(assignment_id, student_id)
    if os.path.isfile(os.path.join(source, "timestamp.txt")):
        os.makedirs(dest, exist_ok=True)
        shutil.copy(os.path.join(source, "timestamp.txt"), os.path.join(dest, "timestamp.txt"))


def configure(c):
    """Apply the kit's settings to an nbgrader config object `c`."""
    from nbgrader.converters.generate_assignment import GenerateAssignment
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import ClearSolutions as _Clear, Execute

    c.GenerateAssignment.preprocessors = [
        ClearSolutionsWithPlaceholders if p is _Clear else p
        for p in GenerateAssignment.class_traits()["preprocessors"].default()
    ]
    from dnnkit.judging.judge import JudgeGradedFunctions
    from dnnkit.plugins.kernel import SandboxedExecute
    from dnnkit.plugins.links import RefuseLinks
    from dnnkit.plugins.output_cap import CapOutputs
    from dnnkit.plugins.record_outcome import RecordOutcome
    steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    # The notebook's kernel runs in the grading sandbox; the judge's verdict decides the points;
    # the status file records what went wrong (as `dnnkit grade` records it).
    steps[steps.index(Execute):steps.index(Execute) + 1] = [SandboxedExecute, CapOutputs,
                                                             JudgeGradedFunctions, RecordOutcome]
    c.Autograde.autograde_preprocessors = steps
    # A submission holding links (to the source, the gradebook...) is not graded: nbgrader's
    # copy would follow them.
    c.Autograde.sanitize_preprocessors = [RefuseLinks] + list(
        Autograde.class_traits()["sanitize_preprocessors"].default())
    # A deleted test cell comes back from the gradebook and is graded (not silently dropped).
    c.OverwriteCells.add_missing_cells = True
    # Feedback: no hidden tests in it, and a per-function summary on top (dnnkit.plugins.feedback).
    from nbgrader.converters.generate_feedback import GenerateFeedback
    from nbgrader.preprocessors import GetGrades
    from dnnkit.plugins.feedback import StudentFeedback
    from dnnkit.plugins.self_contained import SelfContained
    steps = list(GenerateFeedback.class_traits()["preprocessors"].default())
    steps.insert(steps.index(GetGrades) + 1, StudentFeedback)
    c.GenerateFeedback.preprocessors = steps + [SelfContained]
    # The kit's page (templates/dnnkit_feedback): nbgrader's, without MathJax from a CDN or its
    # list of anonymous test-cell links. GenerateFeedback only adds its own template folder
    # when none is configured, so it is named here after the kit's.
    import nbgrader
    nbgrader_templates = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions",
                                      "formgrader", "templates")
    c.HTMLExporter.template_name = "dnnkit_feedback"
    c.HTMLExporter.template_file = "feedback.html.j2"   # extends nbgrader's index.html.j2
    c.HTMLExporter.extra_template_basedirs = [os.path.join(os.path.dirname(__file__), "templates"),
                                              nbgrader_templates]
    # A feedback folder holds the page (and nbgrader's timestamp) only: figures are inlined, and
    # helpers and data sets (3 MB for application) are not copied into it once per student.
    GenerateFeedback.init_assignment = _copy_timestamp_only
    # Files that live beside the notebooks but are not part of the assignment.
    # grading_status.json is the grader's record (dnnkit grade): a student's own is not copied.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                                "grading_status.json"]
