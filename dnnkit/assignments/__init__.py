"""What the grader knows about each assignment beyond its notebook: one typed `Spec` per
assignment, made at the end of its module (named like the assignment id) from the parts the
module defines above it. `load(assignment)` returns it; the judge (dnnkit.judging.judge), the
expected outputs, the catalogue and the sample class read nothing else of the module.

- outputs: {function: its output name, or a tuple of names}, from testCases/<assignment>.py.
- hidden_cases: {function: draw(rng, ref)}, the inputs of each function's hidden tests drawn
  from `rng` (seeded per student and function by dnnkit.judging.judge.case_seed); `ref`: the
  reference functions, for inputs made by earlier steps (a forward pass's caches).
- mistakes: realistic mistakes (`Variant`s: an edit of the reference solution's cell with the
  message that names it). They serve three purposes: diagnosing a wrong result (a student's
  output that equals a mistake's output is named), the mistake catalogue of the tests, and the
  sample class of `make demo`.
- styles: other correct ways to write a function (edits too), which must get full marks.
- demo_mistakes: the "function/key" of the mistakes the demo's sample class makes.
- value_hints: {function: the hint added to a plain "wrong values" message}.
- extra_checks: {function: check(ref, case, result) -> problem or None}, run after the
  comparison with the reference (say gradients checked numerically).
"""
import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    """A text edit of one reference function: a mistake, or another correct style."""
    function: str        # the graded function it changes
    key: str             # short id, used by tests and reports
    message: str         # what the student is told (empty for a correct style)
    edits: tuple         # ((old, new), ...) applied to the reference cell source

    def apply(self, source):
        """`source` with each edit made where the same Python tokens as `old` are (spaces,
        line breaks inside brackets, comments and quote marks aside: a reformatted reference
        keeps its mistakes and styles, and text in a comment or a string is not code), else
        where `old` is written as it is (an edit inside a string: a printed message)."""
        for old, new in self.edits:
            span = _token_span(source, old)
            if span is not None:
                source = source[:span[0]] + new.strip() + source[span[1]:]
            elif old in source:
                source = source.replace(old, new, 1)
            else:
                raise ValueError(f"variant {self.key}: {old!r} not found in the reference "
                                 f"of {self.function}")
        return source


def _tokens(text):
    """[(token, start offset, end offset)] of the code tokens of `text` (a fragment too: a
    fragment's own indentation is not a token)."""
    import ast
    import io
    import textwrap
    import tokenize
    text = text if text[:1] not in " \t" else textwrap.dedent(text)
    starts = [0]
    for line in io.StringIO(text).readlines():   # the lines tokenize reads (split at \n only)
        starts.append(starts[-1] + len(line))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER}
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in skip:
                continue
            value = tok.string
            if tok.type == tokenize.STRING:
                try:
                    value = repr(ast.literal_eval(value))   # 'a' and "a" are one token
                except (ValueError, SyntaxError):
                    pass
            found.append((value, starts[tok.start[0] - 1] + tok.start[1], starts[tok.end[0] - 1] + tok.end[1]))
    except (tokenize.TokenError, IndentationError):   # a fragment: an unclosed bracket...
        pass
    return found


def _token_span(source, fragment):
    """(start, end) in `source` of the first run of tokens equal to `fragment`'s, or None."""
    tokens = _tokens(source)   # (a cell is never indented as a whole: offsets are the source's)
    wanted = [value for value, _, _ in _tokens(fragment)]
    values = [value for value, _, _ in tokens]
    for i in range(len(values) - len(wanted) + 1):
        if wanted and values[i:i + len(wanted)] == wanted:
            return tokens[i][1], tokens[i + len(wanted) - 1][2]
    return None


@dataclass(frozen=True)
class Spec:
    """One assignment, as the grader knows it (see the module doc); checked as it is made."""
    name: str
    outputs: dict
    hidden_cases: dict
    mistakes: list = field(default_factory=list)
    styles: list = field(default_factory=list)
    demo_mistakes: list = field(default_factory=list)
    value_hints: dict = field(default_factory=dict)
    extra_checks: dict = field(default_factory=dict)

    def __post_init__(self):
        keys = {f"{v.function}/{v.key}" for v in self.mistakes}
        problems = [f"{v.key} changes {v.function}, which is not graded"
                    for v in self.mistakes + self.styles if v.function not in self.outputs]
        problems += [f"{k} is not one of its mistakes" for k in self.demo_mistakes if k not in keys]
        if set(self.hidden_cases) != set(self.outputs):
            problems.append(f"hidden cases for {sorted(self.hidden_cases)}, graded functions "
                            f"{sorted(self.outputs)}")
        problems += [f"{where} names {f}, which is not graded" for where, table in
                     (("value_hints", self.value_hints), ("extra_checks", self.extra_checks))
                     for f in table if f not in self.outputs]
        if len(keys) != len(self.mistakes):
            problems.append("two mistakes have the same function/key")
        if problems:
            raise ValueError(f"dnnkit/assignments/{self.name}.py: " + "; ".join(problems))


def load(assignment):
    """The Spec of `assignment`."""
    return importlib.import_module(f"dnnkit.assignments.{assignment}").SPEC


def definition_source(assignment):
    """The bytes of what decides an assignment's verdicts besides its notebooks (its module
    here, with its hidden cases and mistakes, and the judge): a graded submission is up to
    date only while these are unchanged."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join(here, assignment + ".py"), os.path.join(os.path.dirname(here), "judging", "judge.py")]
    data = b""
    for path in paths:
        with open(path, "rb") as f:
            data += f.read()
    return data
