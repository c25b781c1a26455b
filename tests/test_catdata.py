"""The cat / non-cat data files: loader validation, the synthetic stand-in, the real files."""
import hashlib
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from dnn_utils.catdata import CLASSES, DatasetError, load_data
from dnnkit.staff.datasets import make_standin_dataset, standin_arrays, use_real_data

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/catvnoncat"
TRAIN, TEST = "train_catvnoncat.h5", "test_catvnoncat.h5"

# file -> {key: (shape, dtype kind, itemsize)}, as in the spec's schema table
SCHEMA = {
    TRAIN: {"train_set_x": ((209, 64, 64, 3), "u", 1), "train_set_y": ((209,), "i", 8),
            "list_classes": ((2,), "S", None)},
    TEST: {"test_set_x": ((50, 64, 64, 3), "u", 1), "test_set_y": ((50,), "i", 8),
           "list_classes": ((2,), "S", None)},
}
LABEL_COUNTS = {TRAIN: (72, 137), TEST: (33, 17)}   # (cat, non-cat)

# SHA-256 of the stand-in arrays (images then labels, train then test). The generator uses
# only the frozen RandomState stream and exact float arithmetic, so this holds on any machine;
# update it only when the generator is changed on purpose.
STANDIN_SHA256 = "f10b652a9fa27be9aef025f4683ae1cda70f488bc4a4541450aa981ae2441e75"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    directory = tmp_path_factory.mktemp("standin")
    make_standin_dataset(directory)
    return directory


@pytest.fixture
def copy_of_standin(standin, tmp_path):
    """A fresh copy of the stand-in pair in tmp_path, to be damaged by a test."""
    for name in (TRAIN, TEST):
        shutil.copyfile(standin / name, tmp_path / name)
    return tmp_path


def check_raw_schema(directory):
    """Keys, shapes, dtypes, classes and label counts read straight from the HDF5 files."""
    for name, keys in SCHEMA.items():
        with h5py.File(directory / name, "r") as f:
            assert sorted(f.keys()) == sorted(keys), name
            for key, (shape, kind, itemsize) in keys.items():
                assert f[key].shape == shape, (name, key)
                assert f[key].dtype.kind == kind, (name, key, f[key].dtype)
                if itemsize is not None:
                    assert f[key].dtype.itemsize == itemsize, (name, key, f[key].dtype)
            assert f["list_classes"][()].tolist() == list(CLASSES)
            y = f[[k for k in keys if k.endswith("_y")][0]][()]
            assert sorted(set(y.tolist())) == [0, 1]
            assert (int((y == 1).sum()), int((y == 0).sum())) == LABEL_COUNTS[name]


def check_loaded(directory):
    train_x, train_y, test_x, test_y, classes = load_data(directory)
    assert train_x.shape == (209, 64, 64, 3) and train_x.dtype == np.uint8
    assert test_x.shape == (50, 64, 64, 3) and test_x.dtype == np.uint8
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
    assert train_y.dtype == np.int64 and test_y.dtype == np.int64
    assert classes.dtype.kind == "S" and classes.tolist() == [b"non-cat", b"cat"]
    assert (int(train_y.sum()), 209 - int(train_y.sum())) == LABEL_COUNTS[TRAIN]
    assert (int(test_y.sum()), 50 - int(test_y.sum())) == LABEL_COUNTS[TEST]
    assert train_x.reshape(209, -1).T.shape == (12288, 209)
    return train_x, train_y, test_x, test_y, classes


# --------------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------------

def test_standin_schema_and_label_counts(standin):
    check_raw_schema(standin)
    with h5py.File(standin / TRAIN, "r") as f:
        assert f["list_classes"].dtype == np.dtype("S7")     # like the real files
        assert f["train_set_y"].dtype == np.dtype("<i8")
    train_x, _, test_x, _, _ = check_loaded(standin)
    # real pictures, not blank arrays: every image differs from the others and uses the range
    assert len({img.tobytes() for img in np.concatenate([train_x, test_x])}) == 259
    assert train_x.min() < 30 and train_x.max() > 225


def test_standin_is_deterministic(standin, tmp_path):
    again = make_standin_dataset(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [TEST, TRAIN]   # no temporary files
    for path in again:
        assert path.read_bytes() == (standin / path.name).read_bytes(), path.name
        with h5py.File(path, "r") as f:           # no creation times that would change the bytes
            assert all(h5py.h5o.get_info(f[k].id).ctime == 0 for k in f)
    a, b = standin_arrays(), standin_arrays()
    for name in (TRAIN, TEST):
        np.testing.assert_array_equal(a[name][0], b[name][0])
        np.testing.assert_array_equal(a[name][1], b[name][1])
    # a different seed gives a different data set
    assert not np.array_equal(standin_arrays(seed=1)[TRAIN][0], a[TRAIN][0])


def test_standin_content_is_pinned():
    arrays, digest = standin_arrays(), hashlib.sha256()
    for name in (TRAIN, TEST):
        x, y = arrays[name]
        digest.update(x.tobytes())
        digest.update(y.astype("<i8").tobytes())
    assert digest.hexdigest() == STANDIN_SHA256


def test_standin_is_learnable(standin):
    """Logistic regression on the flattened pixels beats the 66% majority rate on the test set."""
    train_x, train_y, test_x, test_y, _ = load_data(standin)
    X = train_x.reshape(train_x.shape[0], -1).T / 255.
    Xt = test_x.reshape(test_x.shape[0], -1).T / 255.
    w, b, lr = np.zeros((X.shape[0], 1)), 0.0, 0.01
    for _ in range(300):
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        dZ = A - train_y
        w -= lr * (X @ dZ.T) / X.shape[1]
        b -= lr * float(dZ.mean())

    def accuracy(X, Y):
        return float(((w.T @ X + b > 0) == Y).mean())

    assert accuracy(X, train_y) >= 0.95
    majority = max(test_y.mean(), 1 - test_y.mean())     # 0.66
    assert majority == pytest.approx(0.66)
    assert accuracy(Xt, test_y) >= 0.8


# --------------------------------------------------------------------------------------------
# Validation: every problem is a DatasetError naming the file and the key
# --------------------------------------------------------------------------------------------

def replace(path, key, data):
    with h5py.File(path, "r+") as f:
        del f[key]
        if data is not None:
            f.create_dataset(key, data=data)


def damage_missing_file(d):
    (d / TRAIN).unlink()
    return TRAIN, "train_set_x", ["not found"]


def damage_truncated(d):
    data = (d / TEST).read_bytes()
    (d / TEST).write_bytes(data[: len(data) // 2])
    return TEST, "test_set_x", ["truncated or corrupt"]


def damage_not_hdf5(d):
    (d / TRAIN).write_text("this is not an HDF5 file\n")
    return TRAIN, "train_set_x", ["not a readable HDF5 file"]


def damage_shape(d):
    replace(d / TRAIN, "train_set_x", np.zeros((10, 64, 64, 3), np.uint8))
    replace(d / TRAIN, "train_set_y", np.zeros(10, np.int64))
    return TRAIN, "train_set_x", ["(10, 64, 64, 3)", "expected (209, 64, 64, 3) uint8"]


def damage_image_size(d):
    replace(d / TEST, "test_set_x", np.zeros((50, 32, 32, 3), np.uint8))
    return TEST, "test_set_x", ["(50, 32, 32, 3)", "expected (50, 64, 64, 3) uint8"]


def damage_x_dtype(d):
    with h5py.File(d / TRAIN, "r") as f:
        x = f["train_set_x"][()]
    replace(d / TRAIN, "train_set_x", x.astype(np.float64))
    return TRAIN, "train_set_x", ["float64", "uint8"]


def damage_y_dtype(d):
    replace(d / TEST, "test_set_y", np.zeros(50, np.float64))
    return TEST, "test_set_y", ["float64", "int64"]


def damage_missing_key(d):
    replace(d / TRAIN, "train_set_y", None)
    return TRAIN, "train_set_y", ["missing"]


def damage_missing_classes(d):
    replace(d / TEST, "list_classes", None)
    return TEST, "list_classes", ["missing"]


def damage_classes_order(d):
    replace(d / TRAIN, "list_classes", np.array([b"cat", b"non-cat"], dtype="S7"))
    return TRAIN, "list_classes", ["[b'cat', b'non-cat']", "expected"]


def damage_classes_names(d):
    replace(d / TEST, "list_classes", np.array([b"non-dog", b"dog"], dtype="S7"))
    return TEST, "list_classes", ["b'dog'", "[b'non-cat', b'cat']"]


def damage_classes_type(d):
    replace(d / TRAIN, "list_classes", np.array([0, 1]))
    return TRAIN, "list_classes", ["int64", "bytes"]


def damage_count_mismatch(d):
    with h5py.File(d / TRAIN, "r") as f:
        y = f["train_set_y"][()]
    replace(d / TRAIN, "train_set_y", y[:-1])
    return TRAIN, "train_set_y", ["208 labels", "209 images"]


def damage_label_counts(d):
    with h5py.File(d / TEST, "r") as f:
        y = f["test_set_y"][()]
    y[np.flatnonzero(y == 0)[0]] = 1
    replace(d / TEST, "test_set_y", y)
    return TEST, "test_set_y", ["34 cat / 16 non-cat", "expected 33 cat / 17 non-cat"]


def damage_label_values(d):
    with h5py.File(d / TRAIN, "r") as f:
        y = f["train_set_y"][()]
    y[y == 1] = 2
    replace(d / TRAIN, "train_set_y", y)
    return TRAIN, "train_set_y", ["label 2"]


DAMAGES = [damage_missing_file, damage_truncated, damage_not_hdf5, damage_shape,
           damage_image_size, damage_x_dtype, damage_y_dtype, damage_missing_key,
           damage_missing_classes, damage_classes_order, damage_classes_names,
           damage_classes_type, damage_count_mismatch, damage_label_counts, damage_label_values]


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.__name__[len("damage_"):] for d in DAMAGES])
def test_bad_files_raise_dataset_error(copy_of_standin, damage):
    name, key, fragments = damage(copy_of_standin)
    with pytest.raises(DatasetError) as info:
        load_data(copy_of_standin)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert str(copy_of_standin / name) in message
    assert f"'{key}'" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_default_directory_is_datasets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetError, match=r"datasets/train_catvnoncat\.h5: file not found"):
        load_data()
    make_standin_dataset(tmp_path / "datasets")
    check_loaded(Path("datasets"))


def test_variable_length_class_names_are_accepted(copy_of_standin):
    replace(copy_of_standin / TRAIN, "list_classes",
            np.array([b"non-cat", b"cat"], dtype=h5py.string_dtype("ascii")))
    classes = load_data(copy_of_standin)[4]
    assert classes.dtype.kind == "S" and classes.tolist() == [b"non-cat", b"cat"]


# --------------------------------------------------------------------------------------------
# use_real_data (exercised with the stand-in, which has the same schema)
# --------------------------------------------------------------------------------------------

def test_use_real_data_copies_validated_files(standin, tmp_path):
    dest = tmp_path / "course" / "datasets"
    paths = use_real_data(standin, dest)
    assert [p.name for p in paths] == [TRAIN, TEST]
    for name in (TRAIN, TEST):
        assert (dest / name).read_bytes() == (standin / name).read_bytes()
    assert sorted(p.name for p in dest.iterdir()) == [TEST, TRAIN]   # no temporary files left
    check_loaded(dest)


def test_use_real_data_rejects_bad_source_and_leaves_dest_alone(copy_of_standin, tmp_path):
    replace(copy_of_standin / TEST, "test_set_x", np.zeros((50, 64, 64), np.uint8))
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / TRAIN).write_bytes(b"old")
    with pytest.raises(DatasetError, match="test_set_x"):
        use_real_data(copy_of_standin, dest)
    assert sorted(p.name for p in dest.iterdir()) == [TRAIN]
    assert (dest / TRAIN).read_bytes() == b"old"


# --------------------------------------------------------------------------------------------
# The real course files (only on machines that have them)
# --------------------------------------------------------------------------------------------

def test_real_files_match_the_spec(tmp_path):
    if not all((REAL_DIR / name).is_file() for name in (TRAIN, TEST)):
        pytest.skip(f"real course files not present in {REAL_DIR}")
    check_raw_schema(REAL_DIR)
    check_loaded(REAL_DIR)
    use_real_data(REAL_DIR, tmp_path)       # validates, then copies (outside the repository)
    check_loaded(tmp_path)
