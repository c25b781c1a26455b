import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
sys.path.insert(0, ROOT)


@pytest.fixture(scope="session")
def root():
    return ROOT

COURSE_FILES = ["nbgrader_config.py", "source", "release", "testCases", "dnn_utils"]


def copy_course(dest):
    """A scratch copy of the course directory (no working areas, no gradebook)."""
    import shutil
    os.makedirs(dest, exist_ok=True)
    for name in COURSE_FILES:
        src = os.path.join(ROOT, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dest, name), symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy(src, os.path.join(dest, name))
    for area in ("submitted", "autograded", "feedback"):
        os.makedirs(os.path.join(dest, area), exist_ok=True)
    return str(dest)


@pytest.fixture
def course(tmp_path):
    return copy_course(tmp_path / "course")
