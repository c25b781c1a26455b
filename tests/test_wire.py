"""The judge's wire format: exact round trips, and a strict reader of what student processes
send (anything `encode` cannot have written, or too much of it, is Forged, and fast)."""
import json

import numpy as np
import pytest

from dnnkit.inside import wire


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "dA1", np.float64(0.1) * 3, np.arange(6, dtype=np.int32).reshape(2, 3),
    np.random.default_rng(0).standard_normal((4, 1)), (1, [2.0, {"W1": np.zeros((2, 2))}]),
    np.random.get_state()])
def test_round_trips_are_exact(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert json.dumps(wire.encode(back)) == json.dumps(wire.encode(value))


@pytest.mark.parametrize("data", [
    {"t": "array", "dtype": "<U268435456", "shape": [1], "v": ["x"]},
    {"t": "array", "dtype": "<f8", "shape": [10 ** 9, 10 ** 9], "v": []},
    {"t": "array", "dtype": "<f8", "shape": [2], "v": [1.0]},
    {"t": "array", "dtype": "<f8", "shape": [1], "v": ["1.0"]},
    {"t": "array", "dtype": "|b1", "shape": [1], "v": [2]},
    {"t": "dict", "v": [["7" * 100_000, {"t": "none"}]]},
    {"t": "str", "v": "x" * 100_000},
    {"t": "int", "v": 10 ** 100},
    {"t": "float", "v": True},
    {"t": "list", "v": [{"t": "none"}] * 100_000},
    {"t": "none", "extra": 1},
    {"t": "tuple"},
    {"t": "pickle", "v": "gASV"},
    ["not", "a", "value"],
])
def test_what_encode_cannot_have_written_is_forged(data):
    with pytest.raises(wire.Forged):
        wire.decode(data)


def test_nesting_and_total_size_are_bounded():
    deep = {"t": "none"}
    for _ in range(100):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(wire.Forged):
        wire.decode(deep)
    many = {"t": "list", "v": [{"t": "array", "dtype": "<f8", "shape": [5000], "v": [0.0] * 5000}] * 300}
    with pytest.raises(wire.Forged):
        wire.decode(many)
