"""Write test/fixtures/torch/state_dict.safetensors (+ state_dict.expected.json).

Debian bookworm has no python3-safetensors package, so the file is written by the
small writer below, which follows the safetensors format and the reference
implementation's layout byte for byte:
  * bytes 0..8: N, the header length, as an unsigned 64-bit little-endian integer;
  * bytes 8..8+N: the JSON header, compact (no spaces), "__metadata__" first (a map of
    string -> string), then one entry per tensor
    {"dtype": "F32"|"F64"|"I64"|..., "shape": [...], "data_offsets": [begin, end]},
    right-padded with spaces (0x20) so that 8 + N is a multiple of 8;
  * then the byte buffer: each tensor's elements row-major, little-endian, contiguous,
    no gaps; data_offsets are relative to the start of this buffer.
  * tensor order (in the header and the buffer) as the reference implementation writes
    it: by dtype, in descending order of the reference's Dtype enum (see DTYPE_RANK),
    then by name (byte order).
When the official safetensors wheel is importable (e.g. PYTHONPATH pointing at an
unpacked wheel), the script also checks that safetensors.torch.save_file writes the
same bytes and that load_file reads back the same values; that check is optional.
"""
import json, os, struct
import numpy as np
import torch
from common import OUT, ROOT, T, meta, write_json

# Order of the reference implementation's Dtype enum (the subset this writer supports).
DTYPE_RANK = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
NUMPY = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
         "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8"}
TORCH = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
         torch.float16: "F16", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16", torch.bool: "BOOL"}


def encode(tensors, metadata=None):
    """tensors: dict name -> torch tensor. Returns the file's bytes."""
    items = []
    for name, t in tensors.items():
        dt = TORCH[t.dtype]
        raw = np.ascontiguousarray(t.detach().cpu().numpy()).astype(NUMPY[dt]).tobytes()
        items.append((name, dt, list(t.shape), raw))
    items.sort(key=lambda it: (-DTYPE_RANK.index(it[1]), it[0].encode("utf-8")))
    header, off = {}, 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, dt, shape, raw in items:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(it[3] for it in items)


def decode(b):
    """Minimal reader (for the self-check): -> (metadata, {name: np.ndarray})."""
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n].decode("utf-8"))
    md = header.pop("__metadata__", {})
    buf = b[8 + n:]
    out = {}
    for name, e in header.items():
        s, t = e["data_offsets"]
        out[name] = np.frombuffer(buf[s:t], dtype=NUMPY[e["dtype"]]).reshape(e["shape"])
    return md, out


def main():
    tensors = {
        "encoder.0.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 10,
        "encoder.0.bias": torch.tensor([1.0, 2.0], dtype=torch.float32),
        "decoder.scale": torch.tensor([0.5, 1.5, 2.5], dtype=torch.float64),
        "step": torch.tensor(7, dtype=torch.int64),
    }
    metadata = {"format": "pt"}
    # float32 division i/10 is correctly rounded, so it equals Math.fround(i / 10) in JS.
    for i, v in enumerate(tensors["encoder.0.weight"].reshape(-1).tolist()):
        assert v == struct.unpack("<f", struct.pack("<f", i / 10))[0]
    data = encode(tensors, metadata)
    md, back = decode(data)
    assert md == metadata and set(back) == set(tensors)
    for k, t in tensors.items():
        assert back[k].dtype == np.dtype(NUMPY[TORCH[t.dtype]]) and list(back[k].shape) == list(t.shape)
        assert np.array_equal(back[k], t.numpy())
    try:
        import safetensors.torch as st
    except ImportError:
        print("safetensors not importable: skipped the byte-for-byte check against the reference writer")
    else:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "ref.safetensors")
            st.save_file(tensors, p, metadata=metadata)
            ref = open(p, "rb").read()
            assert ref == data, "differs from safetensors.torch.save_file"
            loaded = st.load_file(p)
            assert all(torch.equal(loaded[k], v) for k, v in tensors.items())
        print("byte-identical to safetensors.torch.save_file (safetensors", __import__("safetensors").__version__ + ")")
    path = os.path.join(OUT, "state_dict.safetensors")
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(data)} bytes)")
    n = struct.unpack("<Q", data[:8])[0]
    write_json("state_dict.expected.json", {
        "meta": meta("make_safetensors.py",
                     note="expected contents of state_dict.safetensors; F32 values are given as the exact "
                          "float64 of the stored float32 (encoder.0.weight[i] = Math.fround(i / 10))"),
        "file_bytes": len(data), "header_length": n,
        "header": data[8:8 + n].decode("utf-8"),
        "metadata": metadata,
        "tensors": {k: dict(dtype=TORCH[t.dtype], **T(t)) for k, t in tensors.items()},
    })


if __name__ == "__main__":
    main()
