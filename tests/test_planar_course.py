"""Issue-level self-checks of the Planar assignment, through nbgrader itself (the checks,
shared by every assignment, are in tests/course_checks.py)."""
from course_checks import *  # noqa: F401,F403 (collected here, run for the assignment below)

A = "planar"
NB = "Planar_data_classification_with_one_hidden_layer"
FUNCTIONS = 8  # graded functions, 10 points each
