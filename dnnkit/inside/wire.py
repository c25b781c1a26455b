"""The judge's wire format: function arguments and results as JSON, and a strict reader of what
a sandboxed process sends back.

Everything read here comes from a process that runs student code, so it is untrusted: `Reader`
accepts only the shapes `encode` writes, with bounded sizes (array elements, nesting, string and
key lengths, the number of items), and a dtype from a fixed list of numeric ones. Anything else
raises `Forged`: the grader then treats the reply as the function's failure ("your code wrote
over the grader's channel"), never as a verdict and never as a crash of the batch.

Values are exact: floats go through Python's repr (JSON round-trips float64 exactly), never pickle.
This module runs on both sides of the sandbox (it is one of the files the sandbox mounts).
"""
import numbers

import numpy as np

# numpy dtypes a result may have (byte order as numpy writes it for this machine)
DTYPES = frozenset(np.dtype(t).str for t in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64"))
MAX_ELEMENTS = 1_000_000    # numbers in one message (a 1000 x 1000 array)
MAX_DEPTH = 12              # nesting of tuples, lists and dicts
MAX_ITEMS = 10_000          # entries of one tuple, list or dict
MAX_TEXT = 2_000            # characters of a string value or a dict key


class Forged(ValueError):
    """A message that `encode` cannot have written (or one over the size bounds)."""


def encode(value):
    if value is None:
        return {"t": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, numbers.Integral):
        return {"t": "int", "v": int(value)}
    if isinstance(value, numbers.Real):
        return {"t": "float", "v": float(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.str in DTYPES:
            return {"t": "array", "dtype": value.dtype.str, "shape": list(value.shape),
                    "v": value.ravel().tolist()}
        if value.size == 1 and value.item() is None:
            return {"t": "none"}   # e.g. np.squeeze(None) left by a placeholder
        return {"t": "array", "dtype": "object", "shape": list(value.shape), "v": None}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__, "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[str(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    return {"t": "other", "type": type(value).__name__}


class Opaque:
    """A value that could not be carried over (e.g. an object array); it equals nothing."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<{self.kind}>"


class Reader:
    """decode() for one message, counting what it reads against the bounds."""

    def __init__(self, max_elements=MAX_ELEMENTS, opaque=Opaque):
        self.left, self.opaque = max_elements, opaque   # opaque: the class for values not carried

    def take(self, count):
        self.left -= count
        if self.left < 0:
            raise Forged("too much data")

    def decode(self, data, depth=0):
        if depth > MAX_DEPTH:
            raise Forged("nested too deeply")
        if not isinstance(data, dict) or not isinstance(data.get("t"), str):
            raise Forged("not an encoded value")
        t = data["t"]
        self.take(1)
        if t == "none" and len(data) == 1:
            return None
        if t in ("bool", "int", "float", "str") and set(data) == {"t", "v"}:
            return self._scalar(t, data["v"])
        if t == "array" and set(data) == {"t", "dtype", "shape", "v"}:
            return self._array(data)
        if t in ("tuple", "list") and set(data) == {"t", "v"} and isinstance(data["v"], list):
            self._count(data["v"])
            items = [self.decode(v, depth + 1) for v in data["v"]]
            return tuple(items) if t == "tuple" else items
        if t == "dict" and set(data) == {"t", "v"} and isinstance(data["v"], list):
            self._count(data["v"])
            out = {}
            for pair in data["v"]:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                    raise Forged("not a dictionary entry")
                out[self._text(pair[0])] = self.decode(pair[1], depth + 1)
            return out
        if t == "other" and set(data) == {"t", "type"} and isinstance(data["type"], str):
            return self.opaque(self._text(data["type"])[:100])
        raise Forged(f"not an encoded value of type {t[:20]!r}")

    @staticmethod
    def _count(items):
        if len(items) > MAX_ITEMS:
            raise Forged("too many items")

    @staticmethod
    def _text(value):
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise Forged("a string that is too long")
        return value

    def _scalar(self, t, v):
        kinds = {"bool": (bool,), "int": (int,), "float": (float, int), "str": (str,)}[t]
        if not isinstance(v, kinds) or (t in ("int", "float") and isinstance(v, bool)):
            raise Forged(f"not a {t}")
        if t == "int" and abs(v) >= 1 << 64:
            raise Forged("an integer that is too large")
        if t == "float" and isinstance(v, int) and abs(v) >= 1 << 1024:
            raise Forged("a number that is too large")
        return self._text(v) if t == "str" else {"bool": bool, "int": int, "float": float}[t](v)

    def _array(self, data):
        shape, dtype, values = data["shape"], data["dtype"], data["v"]
        if not (isinstance(shape, list) and len(shape) <= 8
                and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape)):
            raise Forged("not an array shape")
        size = 1
        for n in shape:
            size *= n
            if size > MAX_ELEMENTS:
                raise Forged("too much data")
        if dtype == "object" and values is None:
            return self.opaque(f"object array of shape {tuple(shape)}")
        if dtype not in DTYPES or not isinstance(values, list) or len(values) != size:
            raise Forged("not a numeric array")
        self.take(size)
        kind = np.dtype(dtype).kind
        ok = (bool,) if kind == "b" else (int,) if kind in "iu" else (int, float)
        if not all(type(v) in ok for v in values) or (kind == "f" and any(
                type(v) is int and abs(v) >= 1 << 1024 for v in values)):
            raise Forged("array values of the wrong type")
        try:
            return np.array(values, dtype=np.dtype(dtype)).reshape(shape)
        except (OverflowError, ValueError):
            raise Forged("array values out of range") from None


def decode(data, max_elements=MAX_ELEMENTS):
    """The value `encode` turned into `data`; raises Forged for anything else."""
    return Reader(max_elements).decode(data)
