"""Mistakes and styles (dnnkit.assignments.Variant) survive a reformatted reference solution.

Each is an edit of the reference's cell. Written as text, it would break the day someone
reformats a solution line; it is matched by Python tokens when the text is not found. Two
reformattings of every graded reference: respaced, requoted and stripped of comments (every
variant must apply, and change the code exactly as on the original), and Python's own
ast.unparse (which also rewrites some expressions: a variant either applies with the same
effect or says which edit it cannot find, never a silent different edit).
"""
import ast
import glob
import io
import os
import tokenize

import pytest

from dnnkit import assignments, notebook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENTS = ["planar", "step_by_step", "application"]


def references(assignment):
    path = glob.glob(os.path.join(ROOT, "source", assignment, "*.ipynb"))[0]
    return notebook.reference_cells(notebook.read(path))


def respaced(source):
    """The same code with other spacing, double quotes where there were single ones (and the
    other way round) and no comments: what a formatter or an editor's settings do to a cell."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if tok.type == tokenize.COMMENT:
            text = ""
        elif tok.type == tokenize.STRING and text[:1] in "'\"" and not text.startswith(text[0] * 3):
            quote = '"' if text[0] == "'" else "'"
            body = text[1:-1]
            if quote not in body and "\\" not in body:
                text = quote + body + quote
        out.append((tok.type, text))
    return tokenize.untokenize(out)


def variants(assignment):
    spec = assignments.load(assignment)
    return [(assignment, v) for v in spec.mistakes + spec.styles]


ALL = [pair for a in ASSIGNMENTS for pair in variants(a)]


@pytest.mark.parametrize("assignment,variant", ALL, ids=[f"{a}-{v.function}/{v.key}" for a, v in ALL])
def test_a_variant_makes_the_same_change_in_a_respaced_reference(assignment, variant):
    reference = references(assignment)[variant.function]
    other = respaced(reference)
    assert other != reference
    assert ast.dump(ast.parse(variant.apply(other))) == ast.dump(ast.parse(variant.apply(reference)))


def test_a_variant_never_makes_a_different_change_in_a_rewritten_reference():
    applied, refused = 0, []
    for assignment, variant in ALL:
        reference = references(assignment)[variant.function]
        rewritten = ast.unparse(ast.parse(reference))
        try:
            result = variant.apply(rewritten)
        except ValueError as error:
            assert variant.key in str(error) and "not found" in str(error)
            refused.append(variant.key)
            continue
        assert ast.dump(ast.parse(result)) == ast.dump(ast.parse(variant.apply(reference))), variant.key
        applied += 1
    assert applied >= 0.9 * len(ALL), refused


def test_a_variant_whose_code_is_gone_says_so():
    variant = assignments.Variant("sigmoid", "no_such_line", "", (("s = 1 / (1 + np.exp(-z))", "s = z"),))
    with pytest.raises(ValueError, match="no_such_line.*not found"):
        variant.apply("def sigmoid(z):\n    return np.tanh(z)\n")
    assert variant.apply("def sigmoid(z):\n    s = 1/(1+np.exp( -z ))  # the logistic\n") == \
        "def sigmoid(z):\n    s = z  # the logistic\n"


def test_an_assignment_spec_that_does_not_add_up_is_refused_with_its_file():
    Variant, Spec = assignments.Variant, assignments.Spec
    draw = {"relu": lambda rng, ref: []}
    Spec("x", {"relu": "A"}, draw, [Variant("relu", "sign", "relu: the sign.", (("a", "b"),))])
    for broken, words in [
        (dict(mistakes=[Variant("tanh", "sign", "m", (("a", "b"),))]), "tanh, which is not graded"),
        (dict(demo_mistakes=["relu/none"]), "relu/none is not one of its mistakes"),
        (dict(value_hints={"tanh": "hint"}), "value_hints names tanh"),
        (dict(hidden_cases={}), "hidden cases for []"),
    ]:
        fields = dict(dict(name="x", outputs={"relu": "A"}, hidden_cases=draw), **broken)
        with pytest.raises(ValueError, match="dnnkit/assignments/x.py: .*" + words.replace("[", r"\[").replace("]", r"\]")):
            Spec(**fields)
