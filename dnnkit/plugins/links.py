"""RefuseLinks: plain `nbgrader autograde` does not grade a submission that holds links.

nbgrader copies a submission with `shutil.copy`, which follows links: a submitted notebook that
is a link to the source notebook would be graded as the student's (full marks), and a link to
the gradebook would be copied into autograded/ and feedback/. This step runs first among the
sanitize steps and fails the submission, naming the link; nbgrader then removes what it copied
and reports the failure, so course staff see it. (`dnnkit grade` reads submissions without
following links and flags them in the submission's status.)
"""
import os

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor


class LinkInSubmission(Exception):
    pass


def links_in(folder, top):
    """Links and special files in `folder` (relative names), and any link on its path below `top`."""
    found = []
    path = os.path.abspath(folder)
    while path.startswith(os.path.abspath(top) + os.sep):
        if os.path.islink(path):
            found.append(os.path.relpath(path, top) + " (the folder itself)")
        path = os.path.dirname(path)
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or not (os.path.isdir(full) or os.path.isfile(full)):
                found.append(os.path.relpath(full, folder))
    return found


class RefuseLinks(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = CourseDirectory(parent=self)
        folder = coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
        top = coursedir.format_path(coursedir.submitted_directory, ".", ".")
        found = links_in(folder, top)
        if found:
            raise LinkInSubmission(f"{folder}: the submission holds links or special files, which "
                                   f"are not graded: {', '.join(sorted(found)[:5])}")
        return nb, resources
