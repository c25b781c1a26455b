"""Feedback pages that render anywhere: no network, no files beside them.

nbconvert's HTML loads MathJax from a CDN, so offline (an exam room, a firewalled campus) every
formula shows as raw `$…$`; and a figure is a relative link to a file nbgrader would have to copy
into every student's feedback folder. `SelfContained`, the last generate_feedback step
(registered by `dnnkit.plugins.nbgrader_ext.configure`), rewrites each markdown cell:
- `$…$` and `$$…$$` become MathML (latex2mathml), which browsers render natively (Chromium since
  109, Firefox, Safari); `\\tag{n}` becomes the equation's number at its right;
- `![alt](images/x.svg)` becomes a data: URI, read from the autograded folder or the release.
The kit's feedback template (templates/dnnkit_feedback) no longer loads MathJax.
"""
import base64
import mimetypes
import os
import re

from latex2mathml.converter import convert
from nbgrader.preprocessors import NbGraderPreprocessor

FENCE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)       # code: no math inside
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\d)")
TAG = re.compile(r"\\tag\{([^}]*)\}")
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def mathml(latex, display=False):
    """MathML for one formula; the LaTeX source in <code> when latex2mathml cannot read it."""
    tag = TAG.search(latex)
    latex = TAG.sub("", latex).strip()
    try:
        math = convert(latex, display="block" if display else "inline")
    except Exception:   # an unknown construct: show the source rather than nothing
        math = None
    if math is None or "<mi>\\" in math:
        from html import escape
        math = f"<code>{escape(latex)}</code>"
    if display:
        number = f'<span class="eq-number">({tag.group(1)})</span>' if tag else ""
        return f'\n<div class="equation">{math}{number}</div>\n'
    return math


def math_to_mathml(markdown):
    """Every formula of a markdown text as MathML (code spans and fences left alone)."""
    parts = FENCE.split(markdown)
    for i in range(0, len(parts), 2):   # even parts are outside code
        text = DISPLAY.sub(lambda m: mathml(m.group(1), display=True), parts[i])
        parts[i] = INLINE.sub(lambda m: mathml(m.group(1)), text)
    return "".join(parts)


def inline_images(markdown, folders):
    """Relative image links as data: URIs, from the first folder that has the file."""
    def data_uri(match):
        alt, target = match.groups()
        if re.match(r"^[a-z]+:", target) or target.startswith("/") or ".." in target.split("/"):
            return match.group(0)
        for folder in folders:
            path = os.path.join(folder, target)
            if os.path.isfile(path):
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                with open(path, "rb") as f:
                    encoded = base64.b64encode(f.read()).decode("ascii")
                return f"![{alt}](data:{kind};base64,{encoded})"
        return f"*({alt or target}: figure not found)*"
    return IMAGE.sub(data_uri, markdown)


class SelfContained(NbGraderPreprocessor):
    """generate_feedback step: formulas as MathML, figures inlined."""

    def preprocess(self, nb, resources):
        here = resources.get("metadata", {}).get("path") or "."
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        # <root>/autograded/<student>/<assignment> -> <root>/release/<assignment>
        release = os.path.normpath(os.path.join(here, "..", "..", "..", "release", assignment))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = math_to_mathml(inline_images(cell.source, [release, here]))
        return nb, resources
