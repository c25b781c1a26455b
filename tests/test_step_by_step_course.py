"""Issue-level self-checks of the Step-by-Step assignment, through nbgrader itself (the checks,
shared by every assignment, are in tests/course_checks.py)."""
from course_checks import *  # noqa: F401,F403 (collected here, run for the assignment below)

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
FUNCTIONS = 10  # graded functions, 10 points each
