"""The notebooks' figures, drawn by the kit (never copied from elsewhere).

`draw(root, assignment)` writes `source/<assignment>/images/<name>.svg` for every figure of
FIGURES[assignment] and returns the paths it changed; `dnnkit release` (through `dnnkit
expected`, `dnnkit.staff.expected.update`) calls it, and nbgrader's generate_assignment copies
the folder into `release/<assignment>/images/`. The notebooks' markdown cells show them with
`![...](images/<name>.svg)`.

The SVG files are byte-for-byte the same on every machine for the pinned matplotlib: the
default style whatever the user's matplotlibrc says, text drawn as paths from matplotlib's own
DejaVu fonts (`svg.fonttype = "path"`, the labels' source comments left out), a fixed
`svg.hashsalt` and `svg.id`, and no date in the metadata. `tests/course_checks.py` draws them
again and compares the bytes with source/ and release/.

Coordinates are inches (1 unit = 72 pt in the SVG): a figure 9 units wide fills a notebook's
width. Colour is used sparingly: forward steps blue, backward steps orange, the rest grey.
"""
import contextlib
import io
import os
import re

FORWARD = "#dbe8f6"      # fill of a forward step
BACKWARD = "#fbe3cc"     # fill of a backward step
NEUTRAL = "#eeeeee"      # fill of anything else (cost, update, data)
EDGE = "#333333"
CACHE = "#777777"        # caches: dashed grey arrows
FONT = 12                # points, at notebook width about 11-12 px

STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "dnnkit-figures",
    "svg.id": None,
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "font.size": FONT,
    "path.simplify": False,
    "axes.unicode_minus": True,
}


class Canvas:
    """One figure, `width` x `height` inches, drawn in inch coordinates (origin bottom left)."""

    def __init__(self, width, height):
        from matplotlib.figure import Figure
        self.fig = Figure(figsize=(width, height))
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.set_axis_off()

    def box(self, x, y, w, h, text, fill=NEUTRAL, size=FONT, edge=EDGE, dashed=False, bold=False):
        """A rounded box centred at (x, y) with `text` in it."""
        from matplotlib.patches import FancyBboxPatch
        pad = min(0.08, w / 4, h / 4)
        self.ax.add_patch(FancyBboxPatch((x - w / 2 + pad, y - h / 2 + pad), w - 2 * pad, h - 2 * pad,
                                         boxstyle=f"round,pad={pad}", facecolor=fill, edgecolor=edge,
                                         linewidth=1.2, linestyle="--" if dashed else "-"))
        if text:
            self.text(x, y, text, size=size, bold=bold)
        return (x, y, w, h)

    def circle(self, x, y, r, text="", fill="white", size=FONT):
        from matplotlib.patches import Circle
        self.ax.add_patch(Circle((x, y), r, facecolor=fill, edgecolor=EDGE, linewidth=1.2, zorder=3))
        if text:
            self.text(x, y, text, size=size, zorder=4)

    def text(self, x, y, s, size=FONT, ha="center", va="center", color="black", bold=False, zorder=5):
        self.ax.text(x, y, s, fontsize=size, ha=ha, va=va, color=color, zorder=zorder,
                     fontweight="bold" if bold else "normal", linespacing=1.3)

    def arrow(self, start, end, label=None, color=EDGE, dashed=False, where="above", size=FONT - 1,
              width=1.3, offset=0.14, shrink=0, rad=0.0, style="-|>"):
        """An arrow from `start` to `end` ((x, y) pairs), its label beside its middle."""
        from matplotlib.patches import FancyArrowPatch
        self.ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=13, color=color,
                                          linewidth=width, linestyle="--" if dashed else "-",
                                          shrinkA=shrink, shrinkB=shrink,
                                          connectionstyle=f"arc3,rad={rad}", zorder=2))
        if label:
            mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
            dx, dy, ha, va = {"above": (0, offset, "center", "bottom"), "below": (0, -offset, "center", "top"),
                              "left": (-offset, 0, "right", "center"), "right": (offset, 0, "left", "center")}[where]
            self.text(mx + dx, my + dy, label, size=size, ha=ha, va=va, color=color)

    def line(self, xs, ys, color=EDGE, width=1.0, dashed=False, zorder=1):
        self.ax.plot(xs, ys, color=color, linewidth=width, linestyle="--" if dashed else "-",
                     solid_capstyle="butt", zorder=zorder)

    def svg(self, title):
        buf = io.BytesIO()
        self.fig.savefig(buf, format="svg", metadata={"Date": None, "Title": title,
                                                      "Creator": "dnnkit/staff/figures.py (matplotlib)"})
        # matplotlib writes each label's source as an XML comment beside its glyphs: left out
        # (the title says what the figure shows; a label such as "n_h = 4" would otherwise
        # read as a line of a solution to the release's leak check)
        return re.sub(rb"\n *<!--.*?-->", b"", buf.getvalue(), flags=re.S)


def _left(b):
    return (b[0] - b[2] / 2, b[1])


def _right(b):
    return (b[0] + b[2] / 2, b[1])


def _top(b):
    return (b[0], b[1] + b[3] / 2)


def _bottom(b):
    return (b[0], b[1] - b[3] / 2)


# ---------------------------------------------------------------------------------------------
# Building your Deep Neural Network: Step by Step

def step_by_step_outline():
    """The plan of the assignment: initialise, forward, cost, backward, update, in a loop."""
    c = Canvas(9.6, 4.0)
    h = 0.9
    yf, yb = 3.0, 1.05
    init = c.box(0.85, 2.0, 1.35, 1.0, "initialise\nparameters\n(Ex. 1, 2)", fill=NEUTRAL, size=FONT - 1)
    f1 = c.box(3.2, yf, 2.3, h, "[LINEAR → RELU]\n× (L − 1)", fill=FORWARD)
    f2 = c.box(6.2, yf, 2.3, h, "LINEAR → SIGMOID", fill=FORWARD)
    cost = c.box(8.75, 2.0, 1.35, 1.0, "cost $J$\n(Ex. 6)", fill=NEUTRAL)
    b1 = c.box(3.2, yb, 2.3, h, "[LINEAR ← RELU]\nbackward × (L − 1)", fill=BACKWARD, size=FONT - 1)
    b2 = c.box(6.2, yb, 2.3, h, "LINEAR ← SIGMOID\nbackward", fill=BACKWARD, size=FONT - 1)
    c.arrow((init[0], init[1] + 0.5), _left(f1), rad=-0.35)
    c.text(0.5, 3.05, "$X$,\nparameters", size=FONT - 2, ha="center")
    c.arrow(_right(f1), _left(f2), label="$A^{[L-1]}$")
    c.arrow(_right(f2), (cost[0], cost[1] + 0.5), rad=-0.35)
    c.text(8.75, 3.05, "$A^{[L]}$", size=FONT - 1)
    c.arrow((cost[0], cost[1] - 0.5), _right(b2), rad=-0.35)
    c.text(8.8, 0.9, "$dA^{[L]}$", size=FONT - 1)
    c.arrow(_left(b2), _right(b1), label="$dA^{[L-1]}$", where="below")
    for fb, bb in ((f1, b1), (f2, b2)):
        c.arrow(_bottom(fb), _top(bb), label="caches", color=CACHE, dashed=True, where="right",
                size=FONT - 2, offset=0.08)
    c.arrow(_left(b1), (init[0], init[1] - 0.5), rad=-0.35)
    c.text(0.75, 0.65, "grads: update\nparameters\n(Ex. 10)", size=FONT - 2, va="top")
    c.text(4.7, yf + 0.72, "forward propagation: Ex. 3, 4, 5", size=FONT - 2, color=CACHE)
    c.text(4.7, yb - 0.72, "backward propagation: Ex. 7, 8, 9", size=FONT - 2, color=CACHE)
    return c.svg("Outline of the assignment: initialise, forward pass, cost, backward pass, update")


def step_by_step_two_layer():
    """A 2-layer network, LINEAR -> RELU -> LINEAR -> SIGMOID, forward and backward, with caches."""
    c = Canvas(9.6, 3.7)
    w, h = 1.35, 0.75
    yf, yb = 2.75, 0.85
    xs = [1.4, 3.3, 5.2, 7.1]
    names = ["LINEAR", "RELU", "LINEAR", "SIGMOID"]
    fwd = [c.box(x, yf, w, h, n, fill=FORWARD) for x, n in zip(xs, names)]
    bwd = [c.box(x, yb, w, h, n + "\nbackward", fill=BACKWARD, size=FONT - 1) for x, n in zip(xs, names)]
    cost = c.box(8.95, 1.8, 0.95, 0.7, "cost", fill=NEUTRAL, size=FONT - 1)
    c.arrow((0.05, yf), _left(fwd[0]), label="$X$", size=FONT - 1)
    for a, b, s in zip(fwd, fwd[1:], ["$Z^{[1]}$", "$A^{[1]}$", "$Z^{[2]}$"]):
        c.arrow(_right(a), _left(b), label=s)
    c.arrow(_right(fwd[3]), _top(cost), rad=-0.3)
    c.text(8.75, 2.95, "$A^{[2]}$", size=FONT - 1)
    c.arrow(_bottom(cost), _right(bwd[3]), rad=-0.3)
    c.text(8.8, 0.65, "$dA^{[2]}$", size=FONT - 1)
    for a, b, s in zip(bwd[1:], bwd, ["$dZ^{[1]}$", "$dA^{[1]}$", "$dZ^{[2]}$"]):
        c.arrow(_left(a), _right(b), label=s, where="below")
    c.arrow(_left(bwd[0]), (0.05, yb), label="$dA^{[0]}$", where="below", size=FONT - 1)
    caches = ["$A^{[0]}, W^{[1]}, b^{[1]}$", "$Z^{[1]}$", "$A^{[1]}, W^{[2]}, b^{[2]}$", "$Z^{[2]}$"]
    for a, b, s in zip(fwd, bwd, caches):
        c.arrow(_bottom(a), _top(b), label=s, color=CACHE, dashed=True, where="right", size=FONT - 2,
                offset=0.06)
    for b, l in ((bwd[0], 1), (bwd[2], 2)):
        c.text(b[0], b[1] - 0.62, f"$dW^{{[{l}]}}, db^{{[{l}]}}$", size=FONT - 1)
    c.text(0.05, 3.5, "forward propagation (top), backward propagation (bottom); dashed: caches",
           size=FONT - 2, color=CACHE, ha="left")
    return c.svg("Forward and backward propagation of LINEAR -> RELU -> LINEAR -> SIGMOID, with caches")


def step_by_step_linear_backward():
    """The LINEAR backward block of layer l: dZ in; dW, db, dA_prev out; the cache it reads."""
    c = Canvas(8.0, 3.0)
    fwd = c.box(4.0, 2.35, 2.4, 0.7, "LINEAR (forward)", fill=FORWARD)
    blk = c.box(4.0, 0.95, 2.4, 0.8, "LINEAR backward", fill=BACKWARD)
    c.arrow((1.2, 2.35), _left(fwd), label="$A^{[l-1]}$")
    c.arrow(_right(fwd), (6.8, 2.35), label="$Z^{[l]}$")
    c.arrow(_bottom(fwd), _top(blk), label="cache $(A^{[l-1]}, W^{[l]}, b^{[l]})$", color=CACHE,
            dashed=True, where="right", size=FONT - 1, offset=0.08)
    c.arrow((6.8, 0.95), _right(blk), label="$dZ^{[l]}$", where="below")
    c.arrow(_left(blk), (1.2, 0.95), label="$dA^{[l-1]}$", where="below")
    c.arrow((3.3, 0.55), (2.6, 0.15), style="-|>")
    c.arrow((4.7, 0.55), (5.4, 0.15), style="-|>")
    c.text(2.5, 0.15, "$dW^{[l]}$", ha="right")
    c.text(5.5, 0.15, "$db^{[l]}$", ha="left")
    return c.svg("Linear backward: from dZ[l] and the cache (A[l-1], W[l], b[l]) to dW[l], db[l], dA[l-1]")


def step_by_step_L_model_backward():
    """The backward pass of [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, from dAL to dA0."""
    c = Canvas(9.6, 3.4)
    w, h = 1.4, 0.8
    y = 1.85
    xs = [8.25, 6.0, 3.6, 1.45]
    labels = ["SIGMOID\nbackward", "LINEAR\nbackward", "RELU\nbackward", "LINEAR\nbackward"]
    bwd = [c.box(x, y, w, h, s, fill=BACKWARD, size=FONT - 1) for x, s in zip(xs, labels)]
    c.arrow((9.55, y), _right(bwd[0]), label="$dA^{[L]}$", where="above")
    c.arrow(_left(bwd[0]), _right(bwd[1]), label="$dZ^{[L]}$")
    c.arrow(_left(bwd[1]), _right(bwd[2]), label="$dA^{[L-1]}$")
    c.arrow(_left(bwd[2]), _right(bwd[3]), label="$dZ^{[l]}$")
    c.arrow(_left(bwd[3]), (0.05, y), label="$dA^{[l-1]}$", where="below")
    c.arrow(_bottom(bwd[1]), (bwd[1][0], 0.75), label="$dW^{[L]}, db^{[L]}$", where="right", size=FONT - 1,
            offset=0.08)
    c.arrow(_bottom(bwd[3]), (bwd[3][0], 0.75), label="$dW^{[l]}, db^{[l]}$", where="right",
            size=FONT - 1, offset=0.08)
    # the ReLU layers: a bracket over them, run for l = L-1 down to 1
    c.line([0.65, 0.65, 4.4, 4.4], [2.5, 2.65, 2.65, 2.5], color=CACHE)
    c.text(2.525, 2.92, "× (L − 1): layers $l = L-1, \\ldots, 1$", size=FONT - 1)
    c.line([5.2, 5.2, 9.05, 9.05], [2.5, 2.65, 2.65, 2.5], color=CACHE)
    c.text(7.125, 2.92, "once: layer $L$ (sigmoid)", size=FONT - 1)
    c.text(9.55, 1.0, "$dA^{[L]} = -\\left(\\frac{Y}{A^{[L]}} - \\frac{1-Y}{1-A^{[L]}}\\right)$",
           size=FONT - 1, ha="right")
    c.text(0.05, 0.3, "each step reads its layer's cache from L_model_forward; the loop feeds each "
           "layer the $dA$ of the layer above, down to $dA^{[0]}$", size=FONT - 2, color=CACHE, ha="left")
    return c.svg("L_model_backward: the sigmoid layer's backward step, then L-1 ReLU layers, from dAL to dA0")


# ---------------------------------------------------------------------------------------------
# Deep Neural Network: Application

def application_image_to_vector():
    """A 64 x 64 x 3 picture flattened into a column of 12288 numbers, in reshape's order."""
    c = Canvas(9.0, 4.2)
    colours = [("#f4c7c3", "red"), ("#c8e6c9", "green"), ("#c5d5f0", "blue")]
    size, cells = 2.3, 8
    from matplotlib.patches import Rectangle
    for k, (fill, name) in reversed(list(enumerate(colours))):   # blue at the back, red in front
        x0, y0 = 0.4 + 0.28 * k, 0.8 + 0.28 * (2 - k)
        z = 10 - 2 * k
        c.ax.add_patch(Rectangle((x0, y0), size, size, facecolor=fill, edgecolor=EDGE, linewidth=1.0,
                                 zorder=z))
        for i in range(1, cells):
            c.line([x0 + size * i / cells] * 2, [y0, y0 + size], color="#999999", width=0.5, zorder=z + 1)
            c.line([x0, x0 + size], [y0 + size * i / cells] * 2, color="#999999", width=0.5, zorder=z + 1)
        strip = y0 + size / 2 if k == 0 else y0 + 0.14      # the part of the layer one sees
        c.ax.text(x0 + size / 2, strip, name, fontsize=FONT - 2, ha="center", va="center", zorder=20,
                  bbox={"boxstyle": "square,pad=0.1", "facecolor": fill, "edgecolor": "none"})
    c.text(1.95, 0.45, "one picture: 64 × 64 pixels,\n3 colour channels: shape (64, 64, 3)",
           size=FONT - 1, va="top")
    c.arrow((3.95, 2.3), (5.8, 2.3), label="reshape(m, −1).T", where="above")
    c.text(4.875, 2.12, "then / 255", size=FONT - 1, va="top")
    entries = ["red (1, 1)", "green (1, 1)", "blue (1, 1)", "red (1, 2)", "green (1, 2)", "$\\vdots$",
               "blue (64, 64)"]
    top, step, x, wv = 3.85, 0.47, 6.85, 1.5
    for i, e in enumerate(entries):
        yy = top - step * (i + 0.5)
        fill = "white" if e.startswith("$") else colours[["red", "green", "blue"].index(e.split()[0])][0]
        c.box(x, yy, wv, step, e, fill=fill, size=FONT - 2)
    bottom = top - step * len(entries)
    c.line([x + wv / 2 + 0.15, x + wv / 2 + 0.3, x + wv / 2 + 0.3, x + wv / 2 + 0.15],
           [top, top, bottom, bottom], color=EDGE)
    c.text(x + wv / 2 + 0.4, (top + bottom) / 2, "12288\n= 64·64·3\nrows", size=FONT - 1, ha="left")
    c.text(x, bottom - 0.25, "one column of $X$: (12288, 1)", size=FONT - 1, va="top")
    c.text(x, top + 0.12, "colour (row, column) of a pixel", size=FONT - 2, color=CACHE, va="bottom")
    return c.svg("A 64x64x3 picture flattened into a column vector of 12288 numbers")


def _architecture(c, y, stages, input_label, output_label):
    """A row of boxes joined by arrows; stages are (label, fill, width); returns the boxes."""
    x = 0.25
    c.text(x, y, input_label, ha="left", size=FONT - 1)
    x += 1.2
    boxes = []
    prev = (x - 0.05, y)
    for label, fill, w in stages:
        x += 0.4
        b = c.box(x + w / 2, y, w, 0.8, label, fill=fill, size=FONT - 1)
        c.arrow(prev, _left(b))
        boxes.append(b)
        prev = _right(b)
        x += w
    c.arrow(prev, (prev[0] + 0.4, y))
    c.text(prev[0] + 0.47, y, output_label, ha="left", size=FONT - 1)
    return boxes


def application_two_layer():
    c = Canvas(9.6, 2.4)
    boxes = _architecture(c, 1.35, [("LINEAR\n$W^{[1]}, b^{[1]}$", FORWARD, 1.2), ("RELU", FORWARD, 0.8),
                                    ("LINEAR\n$W^{[2]}, b^{[2]}$", FORWARD, 1.2), ("SIGMOID", FORWARD, 1.05)],
                          "picture $x$\n(12288, 1)", "$a^{[2]} > 0.5$:\ncat, else non-cat")
    c.text((boxes[0][0] + boxes[1][0]) / 2, 0.55, "hidden layer: $n_h = 7$ units, $A^{[1]}$: (7, 1)",
           size=FONT - 2, color=CACHE)
    c.text((boxes[2][0] + boxes[3][0]) / 2, 0.55, "output: 1 unit, $a^{[2]}$ in (0, 1)", size=FONT - 2,
           color=CACHE)
    c.line([boxes[0][0] - 0.6, boxes[1][0] + 0.4], [0.82, 0.82], color=CACHE)
    c.line([boxes[2][0] - 0.6, boxes[3][0] + 0.525], [0.82, 0.82], color=CACHE)
    c.text(4.8, 2.15, "2-layer neural network: LINEAR → RELU → LINEAR → SIGMOID", size=FONT - 1)
    return c.svg("The 2-layer neural network: LINEAR -> RELU -> LINEAR -> SIGMOID on a flattened picture")


def application_L_layer():
    c = Canvas(9.6, 2.6)
    boxes = _architecture(c, 1.4, [("LINEAR\n$W^{[l]}, b^{[l]}$", FORWARD, 1.2), ("RELU", FORWARD, 0.8),
                                   ("LINEAR\n$W^{[L]}, b^{[L]}$", FORWARD, 1.2), ("SIGMOID", FORWARD, 1.05)],
                          "picture $x$\n(12288, 1)", "$a^{[L]} > 0.5$:\ncat, else non-cat")
    left, right = boxes[0][0] - 0.7, boxes[1][0] + 0.5
    c.line([left, left, right, right], [2.0, 2.15, 2.15, 2.0], color=CACHE)
    c.text((left + right) / 2, 2.35, "repeat for $l = 1, \\ldots, L-1$", size=FONT - 1)
    c.text(4.8, 0.45, "layers_dims = [12288, 20, 7, 5, 1]: L = 4 (three RELU layers, then the "
           "sigmoid unit)", size=FONT - 2, color=CACHE)
    return c.svg("The L-layer neural network: [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID")


# ---------------------------------------------------------------------------------------------
# Planar data classification with one hidden layer

def planar_network():
    """Two inputs, four tanh hidden units, one sigmoid output; the equations beside it."""
    c = Canvas(9.6, 3.9)
    r = 0.27
    xi, xh, xo = 0.9, 2.65, 4.4
    inputs = [(xi, 2.55, "$x_1$"), (xi, 1.35, "$x_2$")]
    hidden = [(xh, 3.25 - 0.8 * k, "tanh") for k in range(4)]
    output = (xo, 1.95, "$\\sigma$")
    for a in inputs:
        for b in hidden:
            c.line([a[0] + r, b[0] - r], [a[1], b[1]], color="#999999", width=0.8)
    for b in hidden:
        c.line([b[0] + r, output[0] - r], [b[1], output[1]], color="#999999", width=0.8)
    for x, y, s in inputs:
        c.circle(x, y, r, s, fill=NEUTRAL)
    for x, y, s in hidden:
        c.circle(x, y, r, s, fill=FORWARD, size=FONT - 3)
    c.circle(output[0], output[1], r, output[2], fill=FORWARD)
    c.arrow((xo + r, 1.95), (xo + 0.95, 1.95))
    c.text(xo + 1.0, 1.95, "$\\hat{y} = a^{[2]}$", ha="left")
    c.text(xi, 0.3, "input\n$n_x = 2$", size=FONT - 1)
    c.text(xh, 0.3, "hidden layer\n$n_h = 4$ (tanh)", size=FONT - 1)
    c.text(xo, 0.3, "output\n$n_y = 1$ (sigmoid)", size=FONT - 1)
    c.text((xi + xh) / 2, 3.7, "$W^{[1]}$: ($n_h$, $n_x$), $b^{[1]}$: ($n_h$, 1)", size=FONT - 2, color=CACHE)
    c.text((xh + xo) / 2 + 0.3, 3.3, "$W^{[2]}$: ($n_y$, $n_h$)\n$b^{[2]}$: ($n_y$, 1)", size=FONT - 2,
           color=CACHE, ha="left")
    eq = ["$z^{[1](i)} = W^{[1]} x^{(i)} + b^{[1]}$", "$a^{[1](i)} = \\tanh(z^{[1](i)})$",
          "$z^{[2](i)} = W^{[2]} a^{[1](i)} + b^{[2]}$", "$\\hat{y}^{(i)} = a^{[2](i)} = \\sigma(z^{[2](i)})$",
          "class 1 if $a^{[2](i)} > 0.5$, else 0"]
    c.box(7.95, 1.95, 3.1, 2.9, "", fill="white", edge="#bbbbbb")
    for k, s in enumerate(eq):
        c.text(6.55, 3.0 - 0.52 * k, s, ha="left", size=FONT - 1)
    c.text(7.95, 3.6, "for one example $x^{(i)}$", size=FONT - 2, color=CACHE)
    return c.svg("The planar network: 2 inputs, a hidden layer of 4 tanh units, one sigmoid output")


FIGURES = {
    "step_by_step": {"outline": step_by_step_outline,
                     "two_layer_forward_backward": step_by_step_two_layer,
                     "linear_backward": step_by_step_linear_backward,
                     "L_model_backward": step_by_step_L_model_backward},
    "application": {"image_to_vector": application_image_to_vector,
                    "two_layer_network": application_two_layer,
                    "L_layer_network": application_L_layer},
    "planar": {"planar_network": planar_network},
}


def drawn(assignment):
    """{file name: SVG bytes} of the assignment's figures, drawn now."""
    import matplotlib
    out = {}
    with matplotlib.rc_context(), _own_fonts_only():
        matplotlib.rcdefaults()      # whatever matplotlibrc or the caller's style says
        matplotlib.rcParams.update(STYLE)
        for name, function in FIGURES.get(assignment, {}).items():
            out[name + ".svg"] = function()
    return out


@contextlib.contextmanager
def _own_fonts_only():
    """Drawing with matplotlib's own fonts only. The font cache may also list the system's
    DejaVu (Debian's fonts-dejavu, another version: other glyph outlines), and which one
    `findfont` picks then depends on how the cache was built (seen here): the files differed."""
    import matplotlib
    from matplotlib import font_manager
    manager = font_manager.fontManager
    folder = os.path.realpath(os.path.join(matplotlib.get_data_path(), "fonts", "ttf"))
    saved = manager.ttflist
    manager.ttflist = [f for f in saved if os.path.dirname(os.path.realpath(f.fname)) == folder]
    for name in sorted(os.listdir(folder)):   # and every one of them, whatever the cache lists
        path = os.path.join(folder, name)
        if name.endswith(".ttf") and path not in {os.path.realpath(f.fname) for f in manager.ttflist}:
            manager.addfont(path)
    manager._findfont_cached.cache_clear()
    try:
        yield
    finally:
        manager.ttflist = saved
        manager._findfont_cached.cache_clear()


def images_dir(root, assignment, where="source"):
    return os.path.join(root, where, assignment, "images")


def draw(root, assignment):
    """Write source/<assignment>/images/*.svg of the course at `root` (and remove the SVG files
    of figures it no longer draws); return the changed paths. Only files that differ are
    written, so their dates stay put when nothing changed."""
    changed = []
    files = drawn(assignment)
    if not files:
        return changed
    folder = images_dir(root, assignment)
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        path = os.path.join(folder, name)
        if not os.path.exists(path) or open(path, "rb").read() != data:
            with open(path, "wb") as f:
                f.write(data)
            changed.append(path)
    for name in sorted(os.listdir(folder)):   # a figure the kit no longer draws
        if name.endswith(".svg") and name not in files:
            os.remove(os.path.join(folder, name))
            changed.append(os.path.join(folder, name))
    return changed
