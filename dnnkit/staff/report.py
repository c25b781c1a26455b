"""The instructor report: one self-contained HTML page per assignment (figures inlined as PNG)."""
import base64
import collections
import datetime
import html
import io
import os

import matplotlib

matplotlib.use("Agg")  # no screen: render to PNG only
from matplotlib.figure import Figure  # noqa: E402

from dnnkit.staff import results  # noqa: E402

COLOR, MUTED = "#3b6ea8", "#c44e52"


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(fig, alt):
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def histogram(totals, maximum):
    fig = Figure(figsize=(6.5, 3.2))
    ax = fig.subplots()
    maximum = maximum or 1
    if totals:  # ten bins of a tenth of the maximum each (the last one includes full marks)
        ax.hist(totals, bins=[maximum * i / 10 for i in range(11)], color=COLOR, edgecolor="white")
    else:
        ax.text(0.5, 0.5, "no graded submissions", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(f"total score (out of {maximum:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, maximum)
    return fig


def pass_rates(rates):
    names = list(rates)
    fig = Figure(figsize=(6.5, 0.35 * len(names) + 1.0))
    ax = fig.subplots()
    values = [100 * rates[n] for n in names]
    ax.barh(names, values, color=[COLOR if v >= 50 else MUTED for v in values])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions with full points")
    for y, v in enumerate(values):
        ax.text(min(v + 1, 88), y, f"{v:.0f}%", va="center", fontsize=8)
    return fig


def mistakes_chart(counts):
    labels = [f"{fn}: {key}" for (fn, key) in counts]
    fig = Figure(figsize=(6.5, 0.35 * len(labels) + 1.0))
    ax = fig.subplots()
    ax.barh(labels, list(counts.values()), color=MUTED)
    ax.invert_yaxis()
    ax.set_xlabel("submissions")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def summarize(rows, functions):
    """Numbers behind the report: totals, pass rate per function, mistakes, faulty rows."""
    graded = [r for r in rows if r.status != "missing"]
    rates = {fn: (sum(1 for r in graded if (r.scores.get(fn) or 0) >= points) / len(graded)
                  if graded else 0.0) for fn, points in functions.items()}
    # Named mistakes (and faults: crash, time-out, syntax) are counted by kind; other failures
    # (unfinished, or a wrong value no known mistake explains) only per function.
    mistakes, messages, other = collections.Counter(), {}, collections.Counter()
    for r in graded:
        for fn, v in r.verdicts.items():
            if v.passed:
                continue
            key = v.mistake or (f"fault: {v.fault}" if v.fault else "")
            if key:
                mistakes[(fn, key)] += 1
                messages.setdefault((fn, key), v.message)
            else:
                other[fn] += 1
    return {"totals": [r.total for r in graded], "rates": rates, "mistakes": mistakes,
            "messages": messages, "other": other,
            "faulty": [r for r in rows if r.status != "graded"]}


def render(root, assignment):
    """The report page as a string."""
    functions = results.graded_functions(root, assignment)
    rows = results.collect(root, assignment)
    data = summarize(rows, functions)
    maximum = sum(functions.values())
    top = collections.Counter(dict(data["mistakes"].most_common(12)))
    counts = collections.Counter(r.status for r in rows)
    esc = html.escape
    parts = [
        f"<h1>Instructor report: {esc(assignment)}</h1>",
        f"<p class=meta>{len(rows)} students: " + ", ".join(
            f"{counts[s]} {s}" for s in ("graded", "fault", "missing")) +
        f". Generated {datetime.datetime.now():%Y-%m-%d %H:%M} from the gradebook and the "
        f"autograded notebooks.</p>",
        "<h2>Score distribution</h2>",
        _img(histogram(data["totals"], maximum), "histogram of total scores"),
        "<h2>Pass rate per graded function</h2>",
        _img(pass_rates(data["rates"]), "pass rate per graded function") if functions
        else "<p>No graded functions in the gradebook.</p>",
        "<h2>Most frequent named mistakes</h2>",
    ]
    if top:
        parts.append(_img(mistakes_chart(top), "most frequent mistakes"))
        parts.append("<table><tr><th>function</th><th>mistake</th><th>submissions</th>"
                     "<th>what students are told</th></tr>" + "".join(
                         f"<tr><td><code>{esc(fn)}</code></td><td>{esc(key)}</td><td>{n}</td>"
                         f"<td>{esc(data['messages'][(fn, key)])}</td></tr>"
                         for (fn, key), n in top.items()) + "</table>")
    else:
        parts.append("<p>No named mistake in the graded submissions.</p>")
    if data["other"]:
        counts = ", ".join(f"<code>{esc(fn)}</code> {n}" for fn, n in data["other"].most_common())
        parts.append(f"<p>Other failures (unfinished, or a wrong result no known mistake explains), "
                     f"per function: {counts}.</p>")
    parts.append("<h2>Faulty and missing submissions</h2>")
    if data["faulty"]:
        parts.append("<table><tr><th>student</th><th>status</th><th>reason</th></tr>" + "".join(
            f"<tr class={esc(r.status)}><td>{esc(r.student)}</td><td>{esc(r.status)}</td>"
            f"<td>{esc(r.reason)}</td></tr>" for r in data["faulty"]) + "</table>")
    else:
        parts.append("<p>None: every submission was graded.</p>")
    return PAGE.format(title=esc(f"{assignment}: instructor report"), body="\n".join(parts))


def write(root, assignment, path=None):
    path = path or os.path.join(root, "reports", f"{assignment}.html")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(render(root, assignment))
    return path


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }}
img {{ display: block; max-width: 100%; margin: 0.5em 0 1.5em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
tr.fault td {{ background: #fdecea; }}
.meta {{ color: #555; }}
</style></head>
<body>
{body}
</body></html>
"""
