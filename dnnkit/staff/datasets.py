"""The Application assignment's data set, for course staff (`dnnkit data`): a synthetic stand-in
with the real files' schema (dnn_utils.catdata.SCHEMA: procedurally drawn "cats" and other
scenes, so every notebook runs out of the box), or the real files, validated first. Students
get the files, never this generator (it stays out of dnn_utils, which ships with the release).
"""
import os
import shutil
import tempfile
from pathlib import Path

import h5py
import numpy as np

from dnn_utils.catdata import CLASSES, IMAGE_SHAPE, SCHEMA, validate_file


def use_real_data(src_dir, dest_dir):
    """Validate the two real files in ``src_dir`` and copy them into ``dest_dir``.

    Both files are checked before either is copied, so a bad source leaves ``dest_dir``
    untouched. Each copy is written to a temporary file and renamed into place. Returns the
    destination paths (train, test).
    """
    src_dir, dest_dir = Path(src_dir), Path(dest_dir)
    for name, schema in SCHEMA.items():
        validate_file(src_dir / name, *schema)
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for name in SCHEMA:
        src, dest = src_dir / name, dest_dir / name
        if dest.exists() and os.path.samefile(src, dest):
            out.append(dest)
            continue
        fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        out.append(dest)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Stand-in data set
# --------------------------------------------------------------------------------------------
# Everything below uses only the legacy RandomState stream (frozen across numpy versions) and
# +, -, *, /, comparisons on float64: no exp/sin/log whose last bit may differ between
# platforms, so the pixels are the same everywhere.

STANDIN_SEED = 20240611

_YY, _XX = np.mgrid[0:64, 0:64].astype(np.float64) + 0.5   # pixel centres

# Tuned so that the assignment's (12288, 7, 1) two-layer net learns the stand-in from 209
# examples: cats sit near the centre at a similar size, backgrounds avoid the extreme colours,
# and eyes and muzzle have fixed colours whatever the fur.
_CAT_JITTER = 2            # the head centre moves by at most this many pixels
_CAT_RADIUS = (17, 20)     # head radius range, pixels
_BG_RANGE = (40, 216)      # background colour channel range

# fur colours (RGB): orange, grey, black, white, brown, cream, ginger, blue-grey
_FUR = np.array([[222, 130, 50], [150, 150, 155], [40, 38, 42], [235, 232, 225],
                 [120, 80, 50], [230, 200, 150], [185, 110, 70], [95, 95, 110]], dtype=np.float64)
# orange, grey, brown, cream and ginger cats are common; black, white and blue-grey rarer
_FUR_PICK = (0, 0, 0, 1, 1, 4, 4, 5, 6, 2, 3, 7)


def _ellipse(cx, cy, rx, ry):
    return ((_XX - cx) / rx) ** 2 + ((_YY - cy) / ry) ** 2 <= 1.0


def _triangle(p0, p1, p2):
    """Pixels inside the triangle p0 p1 p2 (points as (x, y)), either orientation."""
    def edge(a, b):
        return (b[0] - a[0]) * (_YY - a[1]) - (b[1] - a[1]) * (_XX - a[0])
    e0, e1, e2 = edge(p0, p1), edge(p1, p2), edge(p2, p0)
    return ((e0 >= 0) & (e1 >= 0) & (e2 >= 0)) | ((e0 <= 0) & (e1 <= 0) & (e2 <= 0))


def _rect(x0, y0, x1, y1):
    return (_XX >= x0) & (_XX < x1) & (_YY >= y0) & (_YY < y1)


def _paint(img, mask, colour, rng, noise=0):
    colour = np.asarray(colour, dtype=np.float64)
    if noise:
        img[mask] = colour + rng.randint(-noise, noise + 1, size=(int(mask.sum()), 3))
    else:
        img[mask] = colour


def _colour(rng, lo=0, hi=256):
    return rng.randint(lo, hi, size=3).astype(np.float64)


def _background(rng):
    """A noisy vertical gradient between two random colours, sometimes with soft stripes."""
    top, bottom = _colour(rng, *_BG_RANGE), _colour(rng, *_BG_RANGE)
    t = (_YY / 64.0)[..., None]
    img = top * (1 - t) + bottom * t
    if rng.randint(3) == 0:   # stripes / tiles in a slightly different shade
        period = rng.randint(6, 16)
        band = ((_XX + _YY * rng.randint(0, 2)) // period) % 2 == 0
        img[band] += rng.randint(-30, 31, size=3)
    img += rng.randint(-18, 19, size=img.shape)
    return img


def _draw_cat(img, rng):
    """A cat face: pointed ears on a round head, slit-pupil eyes, muzzle, nose, whiskers."""
    cx = 32 + rng.randint(-_CAT_JITTER, _CAT_JITTER + 1)
    cy = 36 + rng.randint(-_CAT_JITTER, _CAT_JITTER + 1)
    r = rng.randint(_CAT_RADIUS[0], _CAT_RADIUS[1] + 1)
    rx, ry = r, r * rng.randint(80, 96) / 100.0
    fur = _FUR[_FUR_PICK[rng.randint(len(_FUR_PICK))]] + rng.randint(-20, 21, size=3)
    if rng.randint(4) == 0:  # a body below the head
        body = _ellipse(cx + rng.randint(-4, 5), cy + ry + 8, rx * 1.3, ry)
        _paint(img, body, fur * 0.9, rng, 12)
    spread = rng.randint(45, 70) / 100.0
    ear_h = r * rng.randint(60, 95) / 100.0
    for side in (-1, 1):
        base_out = (cx + side * rx * (spread + 0.35), cy - ry * 0.35)
        base_in = (cx + side * rx * (spread - 0.35), cy - ry * 0.75)
        tip = (cx + side * rx * (spread + 0.15), cy - ry * 0.55 - ear_h)
        _paint(img, _triangle(base_out, base_in, tip), fur, rng, 12)
        inner = ((2 * base_out[0] + base_in[0] + 3 * tip[0]) / 6,
                 (2 * base_out[1] + base_in[1] + 3 * tip[1]) / 6)
        _paint(img, _triangle(((base_out[0] + inner[0]) / 2, (base_out[1] + inner[1]) / 2),
                              ((base_in[0] + inner[0]) / 2, (base_in[1] + inner[1]) / 2),
                              ((tip[0] + inner[0]) / 2, (tip[1] + inner[1]) / 2)),
               (225, 150, 160), rng, 10)
    head = _ellipse(cx, cy, rx, ry)
    _paint(img, head, fur, rng, 14)
    if rng.randint(2):  # tabby stripes on the forehead
        stripes = head & (_YY < cy - ry * 0.3) & ((_XX - cx + 64) // 3 % 2 == 0)
        img[stripes] = fur * 0.6
    eye_col = np.array([[120, 200, 60], [230, 190, 40], [90, 160, 220]])[rng.randint(3)]
    ex, ey = rx * 0.42, cy - ry * 0.12
    for side in (-1, 1):
        _paint(img, _ellipse(cx + side * ex, ey, r * 0.25, r * 0.1875), eye_col, rng, 8)
        _paint(img, _ellipse(cx + side * ex, ey, r * 0.05, r * 0.14), (10, 10, 10), rng)
    ny = cy + ry * 0.22
    for side in (-1, 1):   # light muzzle
        _paint(img, _ellipse(cx + side * r * 0.16, ny + r * 0.16, r * 0.2, r * 0.15),
               (240, 235, 225), rng, 8)
    _paint(img, _triangle((cx - r * 0.12, ny), (cx + r * 0.12, ny), (cx, ny + r * 0.12)),
           (235, 130, 140), rng)
    whisk = (230, 230, 230) if fur.mean() < 110 else (30, 30, 30)
    for side in (-1, 1):
        for k in (-1, 0, 1):
            x0, y0 = cx + side * r * 0.25, ny + r * 0.15
            x1, y1 = cx + side * r * 1.05, ny + r * (0.05 + 0.18 * k)
            tt = (_XX - x0) / (x1 - x0)
            line = (tt >= 0) & (tt <= 1) & (np.abs(_YY - (y0 + tt * (y1 - y0))) < 0.6)
            img[line] = whisk


def _draw_house(img, rng):
    x0 = rng.randint(6, 26)
    w, h = rng.randint(24, 40), rng.randint(18, 28)
    y1 = rng.randint(48, 62)
    y0 = y1 - h
    _paint(img, _rect(x0, y0, x0 + w, y1), _colour(rng, 60, 240), rng, 10)
    _paint(img, _triangle((x0 - 4, y0), (x0 + w + 4, y0), (x0 + w / 2, y0 - rng.randint(10, 20))),
           _colour(rng, 30, 180), rng, 10)
    _paint(img, _rect(x0 + w * 0.4, y1 - h * 0.5, x0 + w * 0.6, y1), _colour(rng, 20, 120), rng)
    for wx in (0.12, 0.7):
        _paint(img, _rect(x0 + w * wx, y0 + 4, x0 + w * wx + 6, y0 + 10), (180, 210, 240), rng, 10)


def _draw_landscape(img, rng):
    horizon = rng.randint(26, 46)
    sky, ground = _YY < horizon, _YY >= horizon
    img[sky] = _colour(rng, 80, 250) + rng.randint(-10, 11, size=(int(sky.sum()), 3))
    img[ground] = _colour(rng, 20, 170) + rng.randint(-25, 26, size=(int(ground.sum()), 3))
    if rng.randint(2):
        _paint(img, _ellipse(rng.randint(8, 56), rng.randint(6, 20), 6, 6), (250, 220, 70), rng, 5)
    for _ in range(rng.randint(0, 4)):   # hills / mountains
        px = rng.randint(0, 64)
        hill = _triangle((px - 18, horizon), (px + 18, horizon), (px, horizon - rng.randint(8, 22)))
        _paint(img, hill, _colour(rng, 40, 160), rng, 12)


def _draw_tree(img, rng):
    x = rng.randint(12, 52)
    base = rng.randint(50, 64)
    _paint(img, _rect(x - 3, base - 25, x + 3, base), (100, 65, 30), rng, 10)
    green = np.array([rng.randint(20, 90), rng.randint(100, 200), rng.randint(20, 90)], float)
    if rng.randint(2):
        crown = _ellipse(x, base - 32, rng.randint(10, 17), rng.randint(10, 15))
        _paint(img, crown, green, rng, 25)
    else:  # fir tree: stacked triangles
        for k in range(3):
            yb = base - 18 - 9 * k
            layer = _triangle((x - 14 + 3 * k, yb), (x + 14 - 3 * k, yb), (x, yb - 14))
            _paint(img, layer, green, rng, 20)


def _draw_car(img, rng):
    x0, y1 = rng.randint(2, 20), rng.randint(44, 58)
    w = rng.randint(34, 44)
    body = _colour(rng, 30, 255)
    _paint(img, _rect(x0, y1 - 12, x0 + w, y1), body, rng, 8)
    _paint(img, _rect(x0 + w * 0.2, y1 - 21, x0 + w * 0.75, y1 - 11), body, rng, 8)
    _paint(img, _rect(x0 + w * 0.27, y1 - 19, x0 + w * 0.68, y1 - 13), (170, 200, 230), rng, 6)
    for wx in (0.22, 0.78):
        _paint(img, _ellipse(x0 + w * wx, y1, 5, 5), (25, 25, 25), rng, 5)


def _draw_shapes(img, rng):
    """Abstract scene: a few random rectangles, discs and triangles."""
    for _ in range(rng.randint(2, 6)):
        kind = rng.randint(3)
        cx, cy, s = rng.randint(4, 60), rng.randint(4, 60), rng.randint(4, 16)
        if kind == 0:
            mask = _rect(cx - s, cy - s * rng.randint(3, 10) / 10, cx + s, cy + s)
        elif kind == 1:
            mask = _ellipse(cx, cy, s, s * rng.randint(5, 11) / 10)
        else:
            apex = (cx + rng.randint(-s, s + 1), cy - s)
            mask = _triangle((cx - s, cy + s), (cx + s, cy + s), apex)
        _paint(img, mask, _colour(rng), rng, 15)


def _draw_ball(img, rng):
    """A round object without ears (ball, fruit, clock face): the hard negative."""
    cx, cy, r = 32 + rng.randint(-10, 11), 34 + rng.randint(-8, 9), rng.randint(10, 19)
    _paint(img, _ellipse(cx, cy, r, r), _colour(rng, 30, 256), rng, 12)
    if rng.randint(2):  # a band or a stalk
        _paint(img, _ellipse(cx, cy, r, r * 0.25), _colour(rng), rng, 10)
    else:
        _paint(img, _rect(cx - 1.5, cy - r - 5, cx + 1.5, cy - r + 1), (90, 60, 30), rng)


_NON_CAT = (_draw_house, _draw_landscape, _draw_tree, _draw_car, _draw_shapes, _draw_ball)


def _standin_images(labels, rng):
    images = np.empty((len(labels),) + IMAGE_SHAPE, dtype=np.uint8)
    for i, label in enumerate(labels):
        img = _background(rng)
        if label:
            _draw_cat(img, rng)
        else:
            _NON_CAT[rng.randint(len(_NON_CAT))](img, rng)
        images[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return images


def standin_arrays(seed=STANDIN_SEED):
    """The stand-in data set as arrays: {file name: (x, y)}; deterministic for a given seed."""
    rng = np.random.RandomState(seed)
    out = {}
    for name, (_, _, m, n_cat) in SCHEMA.items():
        labels = np.zeros(m, dtype=np.int64)
        labels[:n_cat] = 1
        labels = labels[rng.permutation(m)]
        out[name] = (_standin_images(labels, rng), labels)
    return out


def make_standin_dataset(directory, seed=STANDIN_SEED):
    """Write the synthetic stand-in train/test_catvnoncat.h5 files into ``directory``.

    Same keys, shapes and dtypes as the real files (uint8 images, int64 labels, ``|S7``
    ``list_classes``), the same label counts (train 72 cat / 137 non-cat, test 33 / 17),
    contiguous uncompressed datasets without timestamps: the files are byte-for-byte the same
    on every run. Each file is written to a temporary name and renamed into place. Returns the
    paths (train, test).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = standin_arrays(seed)
    classes = np.array(CLASSES, dtype="S7")
    out = []
    for name, (x_key, y_key, _, _) in SCHEMA.items():
        x, y = arrays[name]
        dest = directory / name
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        try:
            with h5py.File(tmp, "w", libver="earliest", track_order=False) as f:
                f.create_dataset("list_classes", data=classes, track_times=False)
                f.create_dataset(x_key, data=x, track_times=False)
                f.create_dataset(y_key, data=y.astype("<i8"), track_times=False)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        out.append(dest)
    return tuple(out)
