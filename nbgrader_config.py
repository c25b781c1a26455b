"""nbgrader configuration of the course kit.

Run nbgrader (or `dnnkit`) from this directory with `.venv` active. The kit plugs into
nbgrader only through documented configuration:
- generate_assignment uses `ClearSolutionsWithPlaceholders`, which leaves `x = None`
  placeholders in each START/END CODE HERE region so the student notebook runs top to bottom;
- autograde adds `JudgeGradedFunctions` right after execution: it grades each function again
  outside the student's kernel (in isolation, on inputs drawn at grade time) and its verdict
  decides the points of the function's test cell.
"""
import os

from dnnkit.plugins.nbgrader_ext import configure

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dnn-from-scratch"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Assignments enter the gradebook with `nbgrader generate_assignment` (dnnkit release).

configure(c)
