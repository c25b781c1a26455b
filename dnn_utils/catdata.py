"""The cat / non-cat data set of the "Deep Neural Network: Application" assignment.

Two HDF5 files make up the data set (schema in ``SCHEMA`` below):

* ``train_catvnoncat.h5``: ``train_set_x`` (209, 64, 64, 3) uint8, ``train_set_y`` (209,) int64,
  ``list_classes`` (2,) bytes ``[b'non-cat', b'cat']``;
* ``test_catvnoncat.h5``: ``test_set_x`` (50, 64, 64, 3) uint8, ``test_set_y`` (50,) int64,
  ``list_classes``.

``load_data`` reads and validates them. The kit does not ship the real course files: the
course staff's `dnnkit data` (dnnkit.staff.datasets) writes a synthetic pair with the identical
schema, or copies in the real files once they pass the same checks.
"""
import os
from pathlib import Path

import h5py
import numpy as np

__all__ = [
    "DatasetError",
    "SCHEMA",
    "CLASSES",
    "load_data",
    "validate_file",
]

CLASSES = (b"non-cat", b"cat")
IMAGE_SHAPE = (64, 64, 3)

# file name -> (x key, y key, number of examples, number of cats)
SCHEMA = {
    "train_catvnoncat.h5": ("train_set_x", "train_set_y", 209, 72),
    "test_catvnoncat.h5": ("test_set_x", "test_set_y", 50, 33),
}
TRAIN_FILE, TEST_FILE = "train_catvnoncat.h5", "test_catvnoncat.h5"


class DatasetError(ValueError):
    """A data-set file is missing, unreadable or does not match the expected schema."""


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------

def _dataset(path, f, key, what):
    """The h5py dataset ``key`` of the open file ``f``; DatasetError if it is missing."""
    if key not in f:
        raise DatasetError(f"{path}: key '{key}' is missing; expected {what} "
                           f"(keys found: {sorted(f.keys())})")
    obj = f[key]
    if not isinstance(obj, h5py.Dataset):
        raise DatasetError(f"{path}: key '{key}' is a {type(obj).__name__}; expected a dataset "
                           f"holding {what}")
    return obj


def _read(path, obj, key, what):
    """Read a whole dataset, turning HDF5 read errors into DatasetError."""
    try:
        return obj[()]
    except (OSError, ValueError, TypeError) as exc:
        raise DatasetError(f"{path}: key '{key}' could not be read ({exc}); "
                           f"expected {what}") from exc


def _check_classes(path, key, classes):
    """``list_classes`` must hold two byte strings, b'non-cat' then b'cat'.

    Fixed-length bytes (``|S7`` as in the real files) or variable-length strings are accepted;
    the result is always a fixed-length bytes array.
    """
    expected = f"(2,) bytes {list(CLASSES)}"
    dt = classes.dtype
    if dt.kind == "O" and h5py.check_string_dtype(dt) is not None:
        values = [v.encode() if isinstance(v, str) else v for v in classes.ravel()]
        classes = np.array(values, dtype="S").reshape(classes.shape)
        dt = classes.dtype
    if dt.kind != "S":
        raise DatasetError(f"{path}: key '{key}' has dtype {dt}; expected {expected}")
    if classes.shape != (2,):
        raise DatasetError(f"{path}: key '{key}' has shape {classes.shape}; expected {expected}")
    if tuple(classes.tolist()) != CLASSES:
        raise DatasetError(f"{path}: key '{key}' holds {classes.tolist()}; expected {expected}")
    return classes


def validate_file(path, x_key, y_key, m, n_cat):
    """Open one data-set file and check it against the schema.

    Returns ``(x, y, classes)`` with ``x`` of shape (m, 64, 64, 3) uint8, ``y`` of shape (m,)
    int64 (native byte order) and ``classes`` the (2,) bytes array. Raises DatasetError naming
    ``path``, the offending key and what was expected vs found.
    """
    path = str(path)
    x_what = f"{(m,) + IMAGE_SHAPE} uint8"
    y_what = f"({m},) int64"
    if not os.path.isfile(path):
        raise DatasetError(f"{path}: file not found; expected an HDF5 file with keys "
                           f"'{x_key}' {x_what}, '{y_key}' {y_what}, 'list_classes' (2,) bytes "
                           f"(dnn_utils.catdata.make_standin_dataset writes a synthetic stand-in)")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DatasetError(f"{path}: not a readable HDF5 file, truncated or corrupt ({exc}); "
                           f"expected keys '{x_key}', '{y_key}', 'list_classes'") from exc
    with f:
        c_what = f"(2,) bytes {list(CLASSES)}"
        dx = _dataset(path, f, x_key, x_what)
        dy = _dataset(path, f, y_key, y_what)
        dc = _dataset(path, f, "list_classes", c_what)
        # shapes and dtypes from the metadata first, so nothing wrong gets read
        if dx.dtype != np.uint8:
            raise DatasetError(f"{path}: key '{x_key}' has dtype {dx.dtype}; expected {x_what}")
        if len(dx.shape) != 4 or dx.shape[1:] != IMAGE_SHAPE:
            raise DatasetError(f"{path}: key '{x_key}' has shape {dx.shape}; expected {x_what}")
        if dy.dtype.kind != "i" or dy.dtype.itemsize != 8:
            raise DatasetError(f"{path}: key '{y_key}' has dtype {dy.dtype}; expected {y_what}")
        if len(dy.shape) != 1:
            raise DatasetError(f"{path}: key '{y_key}' has shape {dy.shape}; expected {y_what}")
        if dx.shape[0] != dy.shape[0]:
            raise DatasetError(f"{path}: key '{y_key}' has {dy.shape[0]} labels but key "
                               f"'{x_key}' has {dx.shape[0]} images; expected {m} of each")
        if dx.shape[0] != m:
            raise DatasetError(f"{path}: key '{x_key}' has shape {dx.shape}; expected {x_what}")
        x = _read(path, dx, x_key, x_what)
        y = _read(path, dy, y_key, y_what).astype(np.int64, copy=False)  # native byte order
        classes = _read(path, dc, "list_classes", c_what)
    bad = np.flatnonzero((y != 0) & (y != 1))
    if bad.size:
        raise DatasetError(f"{path}: key '{y_key}' holds label {y[bad[0]]} at index {bad[0]}; "
                           f"expected only 0 (non-cat) and 1 (cat)")
    cats = int(y.sum())
    if cats != n_cat:
        raise DatasetError(f"{path}: key '{y_key}' has {cats} cat / {m - cats} non-cat labels; "
                           f"expected {n_cat} cat / {m - n_cat} non-cat")
    classes = _check_classes(path, "list_classes", classes)
    return x, y, classes


def load_data(directory="datasets"):
    """Load the cat / non-cat data set from ``<directory>/{train,test}_catvnoncat.h5``.

    Returns ``train_x_orig, train_y, test_x_orig, test_y, classes``: images (m, 64, 64, 3)
    uint8, labels reshaped to (1, m) int64, classes ``array([b'non-cat', b'cat'])``.
    Raises DatasetError if a file is missing, unreadable or does not match the schema.
    """
    directory = Path(directory)
    train_x, train_y, classes = validate_file(directory / TRAIN_FILE, *SCHEMA[TRAIN_FILE])
    test_x, test_y, _ = validate_file(directory / TEST_FILE, *SCHEMA[TEST_FILE])
    return (train_x, train_y.reshape((1, train_y.shape[0])),
            test_x, test_y.reshape((1, test_y.shape[0])), classes)
