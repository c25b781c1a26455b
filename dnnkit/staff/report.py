"""The instructor reports: one self-contained HTML page per assignment (reports/<assignment>.html,
figures inlined as PNG) and a course overview (reports/index.html) that links them.

What each page counts, from dnnkit.staff.results:
- a submission whose status is "fault" (grading stopped: a crash, the memory cap, an unreadable
  notebook) is left out of every rate, statistic and chart, and counted on its own line;
- a graded function is, for each graded submission: passed (full points), a named mistake (its
  title from the assignment's mistakes), wrong (no known mistake explains it), not attempted
  (the student's cell is still the release's placeholder) or a fault (it crashed or hung);
- scores are binned by whole points (integer ticks).
"""
import base64
import collections
import datetime
import glob
import html
import io
import os
import re
import statistics
import urllib.parse

import matplotlib

matplotlib.use("Agg")  # no screen: render to PNG only
from matplotlib.figure import Figure  # noqa: E402

from dnnkit.outcome import STATUS_FILE, STOPPED, Outcome  # noqa: E402
from dnnkit.staff import results  # noqa: E402

COLOR = "#3b6ea8"
# How a graded function came out for one submission, in the order tables show them.
KINDS = {"passed": ("passed", "#4c9a5b"), "mistake": ("named mistake", "#c44e52"),
         "wrong": ("wrong, unexplained", "#e08a5f"), "blank": ("not attempted", "#a8a8a8"),
         "fault": ("crashed or hung", "#8e5ea2")}
HELP_BELOW = 0.6      # a student under 60 % of the points is listed among those who need help
HELP_LIMIT = 10


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(fig, alt):
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def _stamp(when):
    """ISO 8601 in UTC, to the minute ("2026-12-02T03:40Z"); naive times are taken as UTC
    (nbgrader stores UTC without a zone)."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _num(value):
    return "" if value is None else format(round(value, 1), "g")


# ------------------------------------------------------------------------------------------
# What the assignment's definition says: its title, its mistakes' titles.

def assignment_title(assignment):
    """The assignment's title, from the first line of its module's docstring
    ('Grading knowledge of "Title".'), else its id."""
    import importlib
    try:
        doc = importlib.import_module(f"dnnkit.assignments.{assignment}").__doc__ or ""
    except Exception:  # noqa: BLE001 (an unknown id: no title)
        return assignment
    match = re.search(r'"([^"]+)"', doc.split("\n", 1)[0])
    return match.group(1) if match else assignment


def title_of(message, limit=70):
    """A short title from a mistake's message: its first clause (up to ': ', '. ' or '; '), cut
    at a word under `limit` characters."""
    text = re.split(r": |\. |; ", message.strip(), maxsplit=1)[0].strip().rstrip(".")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;(") + " …"
    return text   # not capitalised: it may start with a name (dW, n_x, db)


JUDGE_MISTAKES = {"hard_coded": ("Hard-coded result",
                                 "It returns the same whatever the input: it looks hard-coded.")}


def mistake_titles(assignment):
    """{(function, key): (title, description)} of the assignment's named mistakes (a Variant's
    own `title` when it has one, else the first clause of its message)."""
    titles = {}
    try:
        from dnnkit import assignments
        mistakes = assignments.load(assignment).mistakes
    except Exception:  # noqa: BLE001 (no definition: ids are shown instead)
        mistakes = []
    for m in mistakes:
        titles[(m.function, m.key)] = (getattr(m, "title", "") or title_of(m.message), m.message)
    return titles


def mistake_title(titles, function, key):
    if (function, key) in titles:
        return titles[(function, key)][0]
    if key in JUDGE_MISTAKES:
        return JUDGE_MISTAKES[key][0]
    return key.replace("_", " ").capitalize()


# ------------------------------------------------------------------------------------------
# What the course directory and the gradebook say beyond results.collect.

def _tokens(source):
    """The code of a cell without comments, blank lines and trailing spaces (to compare a
    student's cell with the release's)."""
    lines = []
    for line in source.split("\n"):
        line = re.sub(r"#.*$", "", line).rstrip()
        if line.strip():
            lines.append(line)
    return "\n".join(lines)


def release_cells(root, assignment):
    """{function: its released cell's code} (the placeholders a student starts from)."""
    from dnnkit import notebook
    found = {}
    for path in sorted(glob.glob(os.path.join(root, "release", assignment, "*.ipynb"))):
        try:
            nb = notebook.read(path)
        except Exception:  # noqa: BLE001
            continue
        for cell in nb.cells:
            name = notebook.graded_name(cell)
            if name:
                found.setdefault(name, _tokens(cell.source))
    return found


def unattempted(root, assignment, student, released):
    """The graded functions whose cell in the student's autograded notebook is still the
    release's placeholder (comments and spacing aside)."""
    from dnnkit import notebook
    blank = set()
    for path in sorted(glob.glob(os.path.join(root, "autograded", student, assignment, "*.ipynb"))):
        try:
            nb = notebook.read(path)
        except Exception:  # noqa: BLE001 (unreadable: its status says so)
            continue
        for name, code in released.items():
            cell = notebook.student_cell(nb, name)
            if cell is not None and _tokens(cell.source) == code:
                blank.add(name)
    return blank


def submissions_info(root, assignment):
    """{student: {"submitted_at", "due", "seconds_late", "penalty"}} from the gradebook, with
    the timestamp.txt of a submission not yet in it."""
    info = {}
    try:
        from nbgrader.api import Gradebook, MissingEntry
        from dnnkit.staff import course
        with Gradebook(course.db_url(root)) as gb:
            try:
                for s in gb.assignment_submissions(assignment):
                    info[s.student_id] = {"submitted_at": s.timestamp, "due": s.duedate,
                                          "seconds_late": s.total_seconds_late,
                                          "penalty": s.late_submission_penalty or 0.0}
            except MissingEntry:
                pass
    except Exception:  # noqa: BLE001 (no gradebook: nothing known of lateness)
        pass
    for path in glob.glob(os.path.join(root, "submitted", "*", assignment, "timestamp.txt")):
        student = os.path.basename(os.path.dirname(os.path.dirname(path)))
        if student in info and info[student]["submitted_at"] is not None:
            continue
        try:
            from dateutil import parser
            with open(path, encoding="utf-8") as f:
                when = parser.parse(f.read().strip())
        except Exception:  # noqa: BLE001 (an unparsable timestamp: unknown)
            continue
        info.setdefault(student, {"due": None, "seconds_late": 0, "penalty": 0.0})["submitted_at"] = when
    return info


def grading_seconds(root, assignment, student):
    """Seconds grading took (dnnkit grade's status file), or None when not recorded."""
    outcome = Outcome.read(os.path.join(root, "autograded", student, assignment, STATUS_FILE))
    return outcome.seconds if outcome is not None and outcome.seconds else None


def feedback_links(root, assignment, student):
    """[(notebook name, href relative to reports/)] of the student's feedback files that exist."""
    links = []
    for path in sorted(glob.glob(os.path.join(root, "feedback", student, assignment, "*.html"))):
        name = os.path.basename(path)
        links.append((name[:-len(".html")], "../feedback/" + "/".join(
            urllib.parse.quote(p) for p in (student, assignment, name))))
    return links


# ------------------------------------------------------------------------------------------
# The numbers.

def kind_of(result, function, points, blank=()):
    """How `function` came out for a graded `result` (a key of KINDS)."""
    score = result.scores.get(function)
    if score is not None and points and score >= points:
        return "passed"
    verdict = result.verdicts.get(function)
    if function in blank:
        return "blank"
    if verdict is not None and verdict.fault in STOPPED:
        return "fault"
    if verdict is not None and verdict.mistake:
        return "mistake"
    return "wrong"


def score_bins(maximum, most=26):
    """Integer-width bins [(low, high)] covering 0..maximum: one per point when there are at
    most `most` point values, else the smallest width of 2, 5, 10, 20, 25, 50 ... that fits."""
    top = int(maximum) if maximum else 1
    width = 1
    for w in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        width = w
        if top // w + 1 <= most:
            break
    return [(low, min(low + width - 1, top)) for low in range(0, top + 1, width)]


def _median(values):
    return statistics.median(values) if values else None


def _mean(values):
    return statistics.fmean(values) if values else None


def summarize(rows, functions, blanks=None):
    """Numbers behind the assignment page. Only submissions whose status is "graded" count in
    totals, rates and mistakes; "fault" ones are listed apart (`faults`)."""
    blanks = blanks or {}
    graded = [r for r in rows if r.status == "graded"]
    kinds = {fn: collections.Counter() for fn in functions}
    cells = {}   # (student, function) -> kind, graded and fault rows
    mistakes = collections.defaultdict(list)   # (function, key) -> [student]
    messages = {}
    for r in rows:
        if r.status == "missing":
            continue
        for fn, points in functions.items():
            kind = kind_of(r, fn, points, blanks.get(r.student, ()))
            cells[(r.student, fn)] = kind
            if r.status != "graded":
                continue
            kinds[fn][kind] += 1
            if kind == "mistake":
                verdict = r.verdicts[fn]
                mistakes[(fn, verdict.mistake)].append(r.student)
                messages.setdefault((fn, verdict.mistake), verdict.message)
    totals = [r.total for r in graded]
    maximum = sum(functions.values())
    rates = {fn: kinds[fn]["passed"] / len(graded) if graded else 0.0 for fn in functions}
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]), list(functions).index(item[0][0])
                                                        if item[0][0] in functions else 0, item[0][1]))
    need_help = sorted((r for r in graded if maximum and r.total < HELP_BELOW * maximum),
                       key=lambda r: (r.total, r.student))[:HELP_LIMIT]
    return {"graded": graded, "totals": totals, "rates": rates, "kinds": kinds, "cells": cells,
            "mistakes": dict(ranked), "messages": messages, "maximum": maximum,
            "mean": _mean(totals), "median": _median(totals),
            "faults": [r for r in rows if r.status == "fault"],
            "missing": [r for r in rows if r.status == "missing"],
            "need_help": need_help}


# ------------------------------------------------------------------------------------------
# Charts.

def histogram(totals, maximum):
    bins = score_bins(maximum)
    counts = [sum(1 for t in totals if low <= int(t) <= high) for low, high in bins]
    fig = Figure(figsize=(8.5, 2.6))
    ax = fig.subplots()
    width = bins[0][1] - bins[0][0] + 1
    if totals:
        ax.bar([low + (high - low) / 2 for low, high in bins], counts,
               width=[0.85 * (high - low + 1) for low, high in bins], color=COLOR)
    else:
        ax.text(0.5, 0.5, "no graded submissions", ha="center", va="center", transform=ax.transAxes)
    top = bins[-1][1]
    step = width if len(bins) <= 13 else 2 * width
    ticks = list(range(0, top + 1, step))
    if top - ticks[-1] >= step / 2:   # the maximum too, unless it would crowd the last tick
        ticks.append(top)
    if width == 1:
        ax.set_xticks(ticks)
    else:   # a tick at each bin's low edge (the maximum: at its bar's right edge)
        ax.set_xticks([t - 0.5 if t % width == 0 else t + 0.5 for t in ticks])
        ax.set_xticklabels([str(t) for t in ticks])
    ax.set_xlim(-0.7, top + 0.7)
    ax.set_xlabel(f"total score (out of {maximum:g})" + (f", bars of {width} points" if width > 1 else ""))
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max(counts + [1]) * 1.1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def outcomes_chart(kinds, graded):
    """A stacked bar per graded function: share of graded submissions of each kind."""
    names = list(kinds)
    fig = Figure(figsize=(6.5, 0.32 * len(names) + 1.2))
    ax = fig.subplots()
    left = [0.0] * len(names)
    for kind, (label, color) in KINDS.items():
        values = [100 * kinds[n][kind] / graded if graded else 0 for n in names]
        ax.barh(names, values, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of the {graded} graded submissions")
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.28 if len(names) < 6 else -0.12),
              ncol=5, fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


# ------------------------------------------------------------------------------------------
# The assignment page.

def _anchor(student):
    return "s-" + re.sub(r"[^A-Za-z0-9_-]", "_", student)


def _stats_line(data):
    if not data["totals"]:
        return "No graded submission yet."
    m = data["maximum"]
    full = sum(1 for t in data["totals"] if m and t >= m)
    return (f"Over the {len(data['totals'])} graded submissions: mean <b>{_num(data['mean'])}</b>, "
            f"median <b>{_num(data['median'])}</b>, lowest {_num(min(data['totals']))}, highest "
            f"{_num(max(data['totals']))} (out of {m:g}); {full} with full marks.")


def render(root, assignment, generated=None):
    """The assignment page as a string."""
    esc = html.escape
    functions = results.graded_functions(root, assignment)
    rows = results.collect(root, assignment)
    released = release_cells(root, assignment)
    blanks = {r.student: unattempted(root, assignment, r.student, released)
              for r in rows if r.status != "missing"}
    titles = mistake_titles(assignment)
    data = summarize(rows, functions, blanks)
    info = submissions_info(root, assignment)
    counts = collections.Counter(r.status for r in rows)
    maximum = data["maximum"]
    generated = generated or now_utc()
    parts = [
        '<p class=nav><a href="index.html">← course overview</a></p>',
        f"<h1>{esc(assignment_title(assignment))} <small>({esc(assignment)})</small></h1>",
        f"<p class=meta>{len(rows)} students: " + ", ".join(
            f"{counts[s]} {s}" for s in ("graded", "fault", "missing")) +
        f". Generated {_stamp(generated)} (UTC) from the gradebook and the autograded notebooks.</p>",
        "<nav class=toc>" + " · ".join(
            f'<a href="#{a}">{t}</a>' for a, t in (
                ("scores", "scores"), ("functions", "functions"), ("mistakes", "mistakes"),
                ("help", "who needs help"), ("students", "students × functions"),
                ("faults", "faults and missing"))) + "</nav>",
        "<h2 id=scores>Scores</h2>",
        f"<p>{_stats_line(data)}</p>",
    ]
    if data["faults"]:
        parts.append(f"<p class=fault-line><b>{len(data['faults'])} fault</b> (grading stopped: "
                     "left out of every statistic, rate and chart on this page): " + ", ".join(
                         f'<a href="#{_anchor(r.student)}">{esc(r.student)}</a>' for r in data["faults"])
                     + ".</p>")
    parts.append(_img(histogram(data["totals"], maximum), "histogram of total scores"))

    graded_n = len(data["graded"])
    parts.append("<h2 id=functions>Graded functions</h2>")
    if functions:
        parts.append(f"<p>Share of the {graded_n} graded submissions (faults left out) by outcome. "
                     "<i>Not attempted</i>: the function's cell is still the release's placeholder; "
                     "<i>wrong, unexplained</i>: a wrong result no known mistake explains.</p>")
        parts.append(_img(outcomes_chart(data["kinds"], graded_n), "outcome per graded function"))
        head = "".join(f"<th>{esc(label)}</th>" for label, _ in KINDS.values())
        body = []
        for fn, points in functions.items():
            k = data["kinds"][fn]
            body.append(f"<tr><td><code>{esc(fn)}</code></td><td class=n>{points:g}</td>"
                        f"<td class=n><b>{100 * data['rates'][fn]:.0f} %</b></td>" + "".join(
                            f"<td class=n>{k[kind] or ''}</td>" for kind in KINDS) + "</tr>")
        parts.append(f"<table class=functions><tr><th>function</th><th>points</th><th>pass rate</th>"
                     f"{head}</tr>{''.join(body)}</table>")
    else:
        parts.append("<p>No graded functions in the gradebook.</p>")

    parts.append("<h2 id=mistakes>Named mistakes</h2>")
    if data["mistakes"]:
        parts.append("<table class=mistakes><tr><th>function</th><th>mistake</th><th>submissions</th>"
                     "<th>students</th><th>what students are told</th></tr>" + "".join(
                         f"<tr><td><code>{esc(fn)}</code></td><td><b>{esc(mistake_title(titles, fn, key))}"
                         f"</b></td><td class=n>{len(who)}</td><td>" + ", ".join(
                             f'<a href="#{_anchor(s)}">{esc(s)}</a>' for s in who[:8]) +
                         (f" and {len(who) - 8} more" if len(who) > 8 else "") +
                         f"</td><td>{esc(titles.get((fn, key), ('', data['messages'][(fn, key)]))[1])}</td></tr>"
                         for (fn, key), who in data["mistakes"].items()) + "</table>")
    else:
        parts.append("<p>No named mistake in the graded submissions.</p>")

    parts.append("<h2 id=help>Students who most need help</h2>")
    if data["need_help"]:
        parts.append(f"<p>Graded submissions under {HELP_BELOW:.0%} of the points, lowest first.</p>")
        parts.append("<table><tr><th>student</th><th>total</th><th>not attempted</th>"
                     "<th>wrong</th></tr>" + "".join(_help_row(r, functions, data, titles)
                                                       for r in data["need_help"]) + "</table>")
    else:
        parts.append(f"<p>No graded submission under {HELP_BELOW:.0%} of the points.</p>")

    parts.append("<h2 id=students>Students × functions</h2>")
    parts.append(_matrix(root, assignment, rows, functions, data, info, titles))
    parts.append(_timing_line(root, assignment, rows, info))

    parts.append("<h2 id=faults>Faulty and missing submissions</h2>")
    odd = data["faults"] + data["missing"]
    if odd:
        parts.append("<table><tr><th>student</th><th>status</th><th>reason</th></tr>" + "".join(
            f"<tr class={esc(r.status)}><td>{esc(r.student)}</td><td>{esc(r.status)}</td>"
            f"<td>{esc(r.reason)}</td></tr>" for r in odd) + "</table>")
    else:
        parts.append("<p>None: every submission was graded.</p>")
    return PAGE.format(title=esc(f"{assignment}: instructor report"), body="\n".join(parts))


def _help_row(r, functions, data, titles):
    esc = html.escape
    blank = [fn for fn in functions if data["cells"].get((r.student, fn)) == "blank"]
    wrong = []
    for fn in functions:
        kind = data["cells"].get((r.student, fn))
        if kind == "mistake":
            wrong.append(f"<code>{esc(fn)}</code>: {esc(mistake_title(titles, fn, r.verdicts[fn].mistake))}")
        elif kind in ("wrong", "fault"):
            wrong.append(f"<code>{esc(fn)}</code>")
    return (f'<tr><td><a href="#{_anchor(r.student)}">{esc(r.student)}</a></td>'
            f"<td class=n>{_num(r.total)} / {data['maximum']:g}</td>"
            f"<td>{len(blank) or ''}{' of ' + str(len(functions)) if blank else ''}</td>"
            f"<td>{'; '.join(wrong)}</td></tr>")


def _late_text(r, info):
    """(submitted, late, penalty) cells of a row: the new Result fields when results has them,
    else the gradebook's."""
    i = info.get(r.student, {})
    submitted = getattr(r, "submitted_at", None) or i.get("submitted_at")
    if isinstance(submitted, str):
        text = submitted
    else:
        text = _stamp(submitted)
    late = i.get("seconds_late") or 0
    penalty = getattr(r, "late_penalty", None)
    if penalty is None:
        penalty = i.get("penalty") or 0
    late_text = ""
    if late:
        hours = late / 3600
        late_text = f"{hours:.0f} h" if hours >= 1 else f"{late / 60:.0f} min"
    return text, late_text, penalty


def _matrix(root, assignment, rows, functions, data, info, titles):
    esc = html.escape
    names = list(functions)
    head = "".join(f'<th class=fn title="{esc(fn)} ({points:g} points)"><span>{esc(fn)}</span></th>'
                   for fn, points in functions.items())
    lines = []
    for r in rows:
        cells = []
        for fn in names:
            kind = data["cells"].get((r.student, fn))
            score = r.scores.get(fn)
            if kind is None or (score is None and r.status == "fault"):
                cells.append("<td class=x></td>")
                continue
            verdict = r.verdicts.get(fn)
            tip = KINDS[kind][0]
            if kind == "mistake":
                tip = mistake_title(titles, fn, verdict.mistake)
            elif verdict is not None and verdict.message and kind != "passed":
                tip = verdict.message
            text = "–" if kind == "blank" else ("" if score is None else _num(score))
            cells.append(f'<td class="k-{kind}" title="{esc(tip)}">{text}</td>')
        submitted, late, penalty = _late_text(r, info)
        after = getattr(r, "total_after_penalty", None)
        total = _num(r.total) if r.status != "missing" else ""
        if penalty and r.status != "missing":
            after = r.total - penalty if after is None else after
            total += f" <small>(−{_num(penalty)} late: {_num(after)})</small>"
        links = feedback_links(root, assignment, r.student)
        feedback = " ".join(f'<a href="{esc(href)}" title="{esc(name)}">feedback</a>'
                            for name, href in links)
        seconds = grading_seconds(root, assignment, r.student)
        status = esc(r.status) if r.status == "graded" else \
            f'<span title="{esc(r.reason)}">{esc(r.status)}</span>'
        name = getattr(r, "name", None)   # results' newer Result: the student's name, when known
        who = esc(r.student) + (f" <small>{esc(name)}</small>" if name and name != r.student else "")
        lines.append(f'<tr id="{_anchor(r.student)}" class="row-{esc(r.status)}"><th>{who}</th>'
                     + "".join(cells) + f"<td class=n>{total}</td><td>{status}</td>"
                     f"<td>{feedback}</td><td>{esc(submitted)}</td><td>{esc(late)}</td>"
                     f"<td class=n>{_num(seconds)}</td></tr>")
    legend = " ".join(f'<span class="k-{k} key">{esc(label)}</span>' for k, (label, _) in KINDS.items())
    return (f"<p class=legend>Points per function; {legend}. Hover a cell for what the student was "
            "told. Feedback links open the file <code>dnnkit feedback</code> wrote (none yet: no link).</p>"
            f"<div class=scroll><table class=matrix><tr><th>student</th>{head}<th>total<br>/ "
            f"{data['maximum']:g}</th><th>status</th><th>feedback</th><th>submitted (UTC)</th>"
            f"<th>late</th><th>grading s</th></tr>" + "".join(lines) + "</table></div>")


def _timing_line(root, assignment, rows, info):
    seconds = [s for s in (grading_seconds(root, assignment, r.student) for r in rows) if s]
    parts = []
    if seconds:
        parts.append(f"Grading took {_num(sum(seconds))} s in all, median {_num(_median(seconds))} s "
                     f"and longest {_num(max(seconds))} s a submission ({len(seconds)} timed by "
                     "<code>dnnkit grade</code>).")
    else:
        parts.append("No grading time recorded (plain <code>nbgrader autograde</code> records none).")
    due = {i.get("due") for i in info.values() if i.get("due")}
    late = [s for s, i in info.items() if i.get("seconds_late")]
    if due:
        parts.append(f"Due {', '.join(sorted(_stamp(d) for d in due))} (UTC): {len(late)} submitted late"
                     + (" (" + ", ".join(html.escape(s) for s in sorted(late)) + ")" if late else "") + ".")
    else:
        parts.append("No due date in the gradebook: lateness is not known.")
    return "<p>" + " ".join(parts) + "</p>"


# ------------------------------------------------------------------------------------------
# The course overview.

def assignment_summary(root, assignment):
    """Counts and statistics of one assignment for the overview, or None when the gradebook
    does not know it (not released)."""
    try:
        functions = results.graded_functions(root, assignment)
        rows = results.collect(root, assignment)
    except Exception:  # noqa: BLE001 (not in the gradebook: MissingEntry, or no gradebook)
        return None
    maximum = sum(functions.values())
    graded = [r for r in rows if r.status == "graded"]
    totals = [r.total for r in graded]
    info = submissions_info(root, assignment)
    return {"rows": rows, "maximum": maximum, "counts": collections.Counter(r.status for r in rows),
            "mean": _mean(totals), "median": _median(totals),
            "under": sum(1 for t in totals if maximum and t < HELP_BELOW * maximum),
            "late": sum(1 for i in info.values() if i.get("seconds_late")),
            "waiting": {r.student for r in rows if r.status == "missing" and os.path.isdir(
                os.path.join(root, "submitted", r.student, assignment))},
            "due": any(i.get("due") for i in info.values())}


def course_need_help(summaries):
    """[(student, course share or None, {assignment: (share or None, status)})] of the students
    under HELP_BELOW of the points over the released assignments (no submission counts 0; a
    fault, or a submission not graded yet, is left out), lowest first."""
    table = collections.defaultdict(dict)
    for a, s in summaries.items():
        for r in s["rows"]:
            share = r.total / s["maximum"] if r.status == "graded" and s["maximum"] else None
            if r.status == "missing" and r.student not in s["waiting"]:
                share = 0.0
            table[r.student][a] = (share, r.status)
    ranked = []
    for student, per in table.items():
        shares = [v for v, status in per.values() if v is not None]
        mean = _mean(shares)
        if mean is not None and mean < HELP_BELOW:
            ranked.append((student, mean, per))
    ranked.sort(key=lambda item: (item[1], item[0]))
    return ranked[:HELP_LIMIT]


def render_index(root, assignments=None, generated=None):
    """The course overview as a string."""
    from dnnkit.staff import course
    esc = html.escape
    assignments = assignments or course.ASSIGNMENTS
    generated = generated or now_utc()
    summaries = {}
    rows = []
    for a in assignments:
        s = assignment_summary(root, a)
        page = os.path.join(root, "reports", f"{a}.html")
        name = esc(assignment_title(a))
        link = f'<a href="{esc(urllib.parse.quote(a))}.html">{name}</a>' if os.path.exists(page) else name
        if s is None:
            rows.append(f"<tr><td>{link} <small>({esc(a)})</small></td><td colspan=9>not in the "
                        "gradebook yet (run <code>dnnkit release</code>)</td></tr>")
            continue
        summaries[a] = s
        c = s["counts"]
        rows.append(f"<tr><td>{link} <small>({esc(a)})</small></td><td class=n>{len(s['rows'])}</td>"
                    f"<td class=n>{c['graded']}</td><td class=n>{c['fault'] or ''}</td>"
                    f"<td class=n>{c['missing'] or ''}</td><td class=n>{_num(s['mean'])}</td>"
                    f"<td class=n>{_num(s['median'])}</td><td class=n>{s['maximum']:g}</td>"
                    f"<td class=n>{s['under'] or ''}</td>"
                    f"<td class=n>{s['late'] if s['due'] else '—'}</td></tr>")
    parts = [
        "<h1>Course overview</h1>",
        f"<p class=meta>{len(summaries)} of {len(assignments)} assignments in the gradebook. Generated "
        f"{_stamp(generated)} (UTC). Mean and median: over graded submissions only (faults and "
        "missing ones left out).</p>",
        "<table><tr><th>assignment</th><th>students</th><th>graded</th><th>fault</th><th>missing</th>"
        f"<th>mean</th><th>median</th><th>out of</th><th>under {HELP_BELOW:.0%}</th><th>late</th></tr>"
        + "".join(rows) + "</table>",
        "<p class=legend>Fault and missing: see each assignment's page for the reasons. Late: "
        "submitted after the gradebook's due date (— when it has none).</p>",
        "<h2>Students who most need help across the course</h2>",
    ]
    ranked = course_need_help(summaries)
    if ranked:
        head = "".join(f"<th>{esc(a)}</th>" for a in summaries)
        body = []
        for student, mean, per in ranked:
            cells = []
            for a in summaries:
                share, status = per.get(a, (None, ""))
                if status == "missing":
                    text = "not graded yet" if student in summaries[a]["waiting"] else "missing"
                else:
                    text = status if share is None else f"{share:.0%}"
                target = f"{urllib.parse.quote(a)}.html#{_anchor(student)}"
                exists = os.path.exists(os.path.join(root, "reports", f"{a}.html"))
                cells.append(f'<td class="n row-{esc(status)}">' + (
                    f'<a href="{esc(target)}">{esc(text)}</a>' if exists and status else esc(text)) + "</td>")
            body.append(f"<tr><th>{esc(student)}</th><td class=n><b>{mean:.0%}</b></td>{''.join(cells)}</tr>")
        parts.append(f"<p>Under {HELP_BELOW:.0%} of the points on average over the assignments in "
                     "the gradebook (no submission counts 0; a fault, or a submission not graded "
                     "yet, is left out), lowest first.</p>")
        parts.append(f"<table><tr><th>student</th><th>average</th>{head}</tr>{''.join(body)}</table>")
    else:
        parts.append(f"<p>No student under {HELP_BELOW:.0%} of the points on average.</p>")
    return PAGE.format(title="Course overview: instructor reports", body="\n".join(parts))


def write(root, assignment, path=None):
    path = path or os.path.join(root, "reports", f"{assignment}.html")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(render(root, assignment))
    return path


def write_index(root, path=None):
    """reports/index.html: the course overview, linking the assignment pages in reports/."""
    path = path or os.path.join(root, "reports", "index.html")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_index(root))
    return path


def write_all(root, chosen):
    """The pages of the `chosen` assignments the gradebook knows, then the overview; [paths]."""
    paths = []
    for assignment in chosen:
        try:
            results.graded_functions(root, assignment)
        except Exception:  # noqa: BLE001 (not released: the overview says so)
            continue
        paths.append(write(root, assignment))
    return paths + [write_index(root)]


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 small {{ color: #777; font-weight: normal; font-size: 0.6em; }}
img {{ display: block; max-width: 100%; margin: 0.5em 0 1.5em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
td.n {{ text-align: right; }}
tr.fault td, tr.row-fault th {{ background: #fdecea; }}
.meta, .nav, .legend {{ color: #555; }}
.toc {{ margin: 0.5em 0 1em; }}
.fault-line {{ background: #fdecea; padding: 0.4em 0.6em; }}
.scroll {{ overflow-x: auto; }}
table.matrix td, table.matrix th {{ padding: 0.2em 0.4em; font-size: 0.9em; }}
table.matrix td[class^="k-"] {{ text-align: center; min-width: 1.8em; }}
table.matrix th.fn {{ vertical-align: bottom; }}
table.matrix th.fn span {{ writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
  font-weight: normal; font-family: monospace; }}
table.matrix tr.row-missing th, table.matrix tr.row-missing td {{ color: #888; }}
.key {{ padding: 0 0.4em; }}
tr:target th, tr:target td {{ outline: 2px solid #3b6ea8; }}
.k-passed {{ background: #dcefdc; }}
.k-mistake {{ background: #f6c9c9; }}
.k-wrong {{ background: #fbe0cf; }}
.k-blank {{ background: #e6e6e6; color: #666; }}
.k-fault {{ background: #e3d3ec; }}
td.x {{ background: #fafafa; }}
</style></head>
<body>
{body}
</body></html>
"""
