"""Shared helpers for the PyTorch golden generators (run with /usr/bin/python3).

Every tensor is written as {"shape": [...], "data": [flat row-major values]}; floating
tensors are converted to float64 and printed with Python's repr (shortest string that
round-trips, i.e. full precision); integer tensors are written as JSON integers.
Objects are indented, flat number lists stay on one line, so files are small but
readable.  Output goes to test/fixtures/torch/ at the repository root.
"""
import json, math, os
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "torch")


def T(t):
    """Tensor -> {"shape", "data"} (detached; float -> float64 values, int -> ints)."""
    t = torch.as_tensor(t).detach().cpu()
    shape = list(t.shape)
    if t.is_floating_point():
        data = t.to(torch.float64).reshape(-1).tolist()
        for v in data:
            assert math.isfinite(v), "non-finite value in golden"
    else:
        data = [int(v) for v in t.reshape(-1).tolist()]
    return {"shape": shape, "data": data}


def meta(generator, **extra):
    m = {"generator": "scripts/goldens/" + generator, "torch_version": torch.__version__,
         "regenerate": "/usr/bin/python3 scripts/goldens/make_all.py"}
    m.update(extra)
    return m


def _scalar(v):
    if isinstance(v, float):
        assert math.isfinite(v), "non-finite value in golden"
    return json.dumps(v)


def _dump(o, ind):
    pad, pad1 = " " * ind, " " * (ind + 1)
    if isinstance(o, dict):
        if not o:
            return "{}"
        items = [pad1 + json.dumps(str(k)) + ": " + _dump(v, ind + 1) for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(o, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in o):
            return "[" + ",".join(_scalar(v) for v in o) + "]"
        return "[\n" + ",\n".join(pad1 + _dump(v, ind + 1) for v in o) + "\n" + pad + "]"
    return _scalar(o)


def write_json(name, obj, limit=300 * 1024):
    os.makedirs(OUT, exist_ok=True)
    text = _dump(obj, 0) + "\n"
    json.loads(text)  # must be valid JSON
    assert len(text.encode()) < limit, f"{name} is {len(text)} bytes (limit {limit})"
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(text.encode())} bytes)")
    return path
