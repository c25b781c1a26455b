"""`dnnkit roster import FILE`: students' names, e-mails and LMS ids into the nbgrader gradebook.

The CSV has a header row and either the kit's columns

    id, first_name, last_name, email, lms_user_id       (id required; the others optional)

or those of a Canvas gradebook export: Student ("Last, First"), ID (Canvas's user id: the LMS
id), SIS User ID, SIS Login ID, Section. There the nbgrader id is the SIS Login ID (else the SIS
User ID); Canvas's "Points Possible" row and any other column are ignored. A blank cell leaves
what the gradebook holds. Every row is checked before anything is written: a bad one stops the
import with the file and line (`RosterError`), and the gradebook stays as it was.
"""
import csv
import re

from dnnkit.staff import course

FIELDS = ("first_name", "last_name", "email", "lms_user_id")
CANVAS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# nbgrader ids name folders (submitted/<id>/...): no separators, no spaces
ID_PATTERN = re.compile(r"[A-Za-z0-9._@+-]{1,128}")
EMAIL_PATTERN = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


class RosterError(ValueError):
    pass


def read(path):
    """[(line, id, {field: value})] of the file: checked, none empty, no id twice."""
    try:
        f = open(path, newline="", encoding="utf-8-sig")
    except OSError as error:
        raise RosterError(f"{path}: cannot read it: {error.strerror}") from None
    with f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        canvas = "id" not in header and ("SIS Login ID" in header or "SIS User ID" in header)
        if "id" not in header and not canvas:
            raise RosterError(f"{path}, line 1: no `id` column (the header must name id, "
                              f"first_name, last_name, email, lms_user_id, or be a Canvas "
                              f"export's: {', '.join(CANVAS)})")
        rows, seen = [], {}
        try:
            for record in reader:
                line = reader.line_num
                if None in record:
                    raise RosterError(f"{path}, line {line}: more cells than the header has columns")
                values = {k: (v or "").strip() for k, v in record.items()}
                if not any(values.values()):
                    continue
                if canvas:
                    if values.get("Student", "") == "Points Possible":
                        continue
                    student, fields = _canvas(values)
                else:
                    student, fields = values.get("id", ""), {k: values.get(k, "") for k in FIELDS}
                problem = _check(student, fields)
                if problem:
                    raise RosterError(f"{path}, line {line}: {problem}")
                if student in seen:
                    raise RosterError(f"{path}, line {line}: student {student!r} again (first on "
                                      f"line {seen[student]})")
                seen[student] = line
                rows.append((line, student, {k: v for k, v in fields.items() if v}))
        except csv.Error as error:
            raise RosterError(f"{path}, line {reader.line_num}: {error}") from None
        except UnicodeDecodeError:
            raise RosterError(f"{path}: not UTF-8 text") from None
    return rows


def _canvas(values):
    student = values.get("SIS Login ID") or values.get("SIS User ID") or ""
    last, _, first = values.get("Student", "").partition(",")
    return student, {"first_name": first.strip(), "last_name": last.strip(), "email": "",
                     "lms_user_id": values.get("ID", "")}


def _check(student, fields):
    if not student:
        return "no student id"
    if not ID_PATTERN.fullmatch(student):
        return (f"student id {student!r} is not one nbgrader can use (letters, digits and "
                f"._@+- only, at most 128)")
    if fields.get("email") and not EMAIL_PATTERN.fullmatch(fields["email"]):
        return f"{fields['email']!r} is not an e-mail address"
    for name, value in fields.items():
        if len(value) > 128:
            return f"{name} is longer than 128 characters"
    return ""


def import_roster(root, path):
    """Put the file's students into the gradebook; returns (added, updated) counts."""
    from nbgrader.api import Gradebook, MissingEntry
    rows = read(path)
    added = updated = 0
    with Gradebook(course.db_url(root)) as gb:
        for _, student, fields in rows:
            try:
                gb.find_student(student)
                updated += 1
            except MissingEntry:
                added += 1
            gb.update_or_create_student(student, **fields)
    return added, updated
