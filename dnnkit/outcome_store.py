"""The Outcomes in the gradebook's own database: a small kit-owned table beside nbgrader's.

The status file (`outcome.STATUS_FILE`) lives in the local autograded/ folder; a course whose
gradebook is shared (PostgreSQL, several TAs, formgrader on another host) would otherwise know
statuses only where grading ran. Wherever a status file is written (`dnnkit grade`'s Recorder, in
the transaction of the grades; plain nbgrader's RecordOutcome), the same Outcome goes into the
table `dnnkit_outcome` of the gradebook's database (`c.CourseDirectory.db_url`), with the judge's
verdicts, keyed by course id, assignment and student. Exports and reports read it first and the
files second (`dnnkit.staff.results`).

The table is created when missing (SQLAlchemy Core: SQLite and PostgreSQL alike). Only the kit
writes it, outside the sandbox; what it reads back still goes through `Outcome.from_json` and
`Verdict.from_json`.
"""
import datetime
import json
import os
from typing import NamedTuple

import sqlalchemy as sa

from dnnkit.outcome import Outcome, Verdict

TABLE = "dnnkit_outcome"
_metadata = sa.MetaData()
table = sa.Table(
    TABLE, _metadata,
    sa.Column("course_id", sa.String(128), primary_key=True),
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("outcome", sa.Text, nullable=False),      # Outcome.to_json()
    sa.Column("verdicts", sa.Text, nullable=True),      # [Verdict.to_json()], or NULL: none known
    sa.Column("updated", sa.DateTime, nullable=False),  # UTC
)
_engines = {}
_ensured = set()   # database URLs whose table this process has seen or made


def engine(db_url):
    """One SQLAlchemy engine per database URL and process."""
    if db_url not in _engines:
        args = {"connect_args": {"timeout": 60}} if db_url.startswith("sqlite") else {}
        _engines[db_url] = sa.create_engine(db_url, **args)
    return _engines[db_url]


def ensure(bind):
    """Create the table when it is missing (another process may create it at the same time)."""
    try:
        table.create(bind=bind, checkfirst=True)
    except sa.exc.DBAPIError:
        if not sa.inspect(bind).has_table(TABLE):
            raise


def put(connection, course_id, rows):
    """Store [(assignment, student, Outcome, [Verdict] or None)] with `connection` (a Connection
    or an ORM Session, in the caller's transaction). Verdicts None keeps those stored."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for assignment, student, outcome, verdicts in rows:
        key = ((table.c.course_id == course_id) & (table.c.assignment == assignment)
               & (table.c.student == student))
        if verdicts is None:
            kept = connection.execute(sa.select(table.c.verdicts).where(key)).first()
            verdicts_json = kept[0] if kept else None
        else:
            verdicts_json = json.dumps([v.to_json() for v in verdicts])
        connection.execute(table.delete().where(key))
        connection.execute(table.insert().values(
            course_id=course_id, assignment=assignment, student=student,
            outcome=json.dumps(outcome.to_json()), verdicts=verdicts_json, updated=now))


def record(db_url, course_id, assignment, student, outcome, verdicts=None, merge=False):
    """Store one Outcome in its own transaction. `merge`: add `verdicts` to those stored (an
    assignment's later notebooks under plain nbgrader)."""
    bind = engine(db_url)
    if db_url not in _ensured:   # outside the transaction: a failed CREATE would abort it
        ensure(bind)
        _ensured.add(db_url)
    with bind.begin() as connection:
        if merge and verdicts is not None:
            stored = _verdicts(connection.execute(sa.select(table.c.verdicts).where(
                (table.c.course_id == course_id) & (table.c.assignment == assignment)
                & (table.c.student == student))).scalar())
            verdicts = list({**(stored or {}), **{v.name: v for v in verdicts}}.values())
        put(connection, course_id, [(assignment, student, outcome, verdicts)])


class Stored(NamedTuple):
    outcome: Outcome
    verdicts: dict      # {function: Verdict}, or None when none were stored
    updated: datetime.datetime   # UTC, naive


def read(db_url, course_id, assignment, students=None):
    """{student: Stored} for the assignment; {} when the database or the table is not there
    (nothing is created by reading)."""
    if db_url.startswith("sqlite:///") and not os.path.isfile(db_url[len("sqlite:///"):]):
        return {}
    try:
        with engine(db_url).connect() as connection:
            if not sa.inspect(connection).has_table(TABLE):
                return {}
            query = sa.select(table.c.student, table.c.outcome, table.c.verdicts, table.c.updated).where(
                (table.c.course_id == course_id) & (table.c.assignment == assignment))
            if students is not None:
                query = query.where(table.c.student.in_(list(students)))
            rows = connection.execute(query).all()
    except sa.exc.DBAPIError:
        return {}
    found = {}
    for student, outcome, verdicts, updated in rows:
        try:
            parsed = Outcome.from_json(json.loads(outcome))
        except ValueError:
            parsed = None
        if parsed is not None:
            found[student] = Stored(parsed, _verdicts(verdicts), updated)
    return found


def _verdicts(text):
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    verdicts = [Verdict.from_json(v) for v in data] if isinstance(data, list) else []
    return {v.name: v for v in verdicts if v is not None}


def verdicts_in(notebook_json):
    """The judge's verdicts in an autograded notebook's JSON text (the engine's results)."""
    try:
        cells = json.loads(notebook_json).get("cells", [])
    except (ValueError, AttributeError):
        return []
    return [v for v in map(Verdict.of_cell, (c for c in cells if isinstance(c, dict))) if v]
