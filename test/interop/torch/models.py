"""PyTorch side of test/interop/pytorch-checkpoints.test.ts (run with Debian's /usr/bin/python3).

  models.py make DIR    writes, per model, DIR/<name>.safetensors (its state_dict, as
                        safetensors.torch.save_file would) and DIR/<name>.io.safetensors
                        (inputs and PyTorch's outputs), plus DIR/dtypes.safetensors
  models.py dtypes FILE prints each tensor of FILE as {name: [safetensors dtype, torch dtype, values]}
  models.py check DIR   loads DIR/<name>.from-gradlab.safetensors (written by gradlab) into the
                        same PyTorch model with load_state_dict(strict=True), runs it on the
                        inputs gradlab saved and prints a JSON report of the largest differences

The safetensors format is written and read here with struct/json (the `safetensors` package
is not in Debian), so the test does not depend on gradlab's reader to check gradlab's writer.
"""
import json
import struct
import sys

import torch
from torch import nn

CODES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
         torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16"}
DTYPES = {v: k for k, v in CODES.items()}


def write(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = (t.to(torch.uint8) if t.dtype == torch.bool else t).reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    buf = blob[8 + n:]
    out, dtypes = {}, {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        dt = DTYPES[e["dtype"]]
        raw = bytearray(buf[begin:end])
        if dt == torch.bool:
            t = torch.frombuffer(raw, dtype=torch.uint8).to(torch.bool) if raw else torch.zeros(0, dtype=torch.bool)
        else:
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
        dtypes[name] = e["dtype"]
    return out, dtypes, header.get("__metadata__", {})


def cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(24, 10))


# name -> (model factory, inputs factory, how to call it)
def cases():
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)
    return {
        "linear": (lambda: nn.Linear(5, 3), lambda: {"x": r(4, 5)}, "plain"),
        "conv1d": (lambda: nn.Conv1d(2, 4, 3, stride=2, padding=1), lambda: {"x": r(2, 2, 9)}, "plain"),
        "cnn": (cnn, lambda: {"x": r(3, 1, 8, 8)}, "plain"),
        "conv_transpose2d": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), lambda: {"x": r(1, 3, 4, 4)}, "plain"),
        "batchnorm1d": (lambda: nn.BatchNorm1d(5), lambda: {"x": r(6, 5)}, "plain"),
        "layernorm": (lambda: nn.LayerNorm(4), lambda: {"x": r(2, 3, 4)}, "plain"),
        "embedding": (lambda: nn.Embedding(10, 4), lambda: {"x": torch.randint(0, 10, (2, 3), generator=g)}, "plain"),
        "rnn": (lambda: nn.RNN(4, 5, num_layers=2, batch_first=True), lambda: {"x": r(2, 6, 4)}, "rnn"),
        "lstm": (lambda: nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True), lambda: {"x": r(2, 6, 4)}, "lstm"),
        "gru": (lambda: nn.GRU(4, 5), lambda: {"x": r(6, 2, 4)}, "rnn"),
        "mha": (lambda: nn.MultiheadAttention(8, 2, batch_first=True), lambda: {"q": r(2, 5, 8), "kv": r(2, 7, 8)}, "mha"),
        "transformer_encoder_layer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), lambda: {"x": r(2, 5, 8)}, "plain"),
        "transformer_encoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu", norm_first=True),
                                                              2, norm=nn.LayerNorm(8), enable_nested_tensor=False), lambda: {"x": r(5, 2, 8)}, "plain"),
        "gru_bidirectional": (lambda: nn.GRU(4, 3, num_layers=2, bidirectional=True, batch_first=True), lambda: {"x": r(2, 6, 4)}, "rnn"),
        "conv2d_groups": (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), lambda: {"x": r(2, 4, 9, 9)}, "plain"),
    }


def run(model, kind, inputs):
    with torch.no_grad():
        if kind == "plain":
            return {"y": model(inputs["x"])}
        if kind == "rnn":
            y, h = model(inputs["x"])
            return {"y": y, "h": h}
        if kind == "lstm":
            y, (h, c) = model(inputs["x"])
            return {"y": y, "h": h, "c": c}
        if kind == "mha":
            y, w = model(inputs["q"], inputs["kv"], inputs["kv"])
            return {"y": y, "w": w}
    raise ValueError(kind)


def make(d):
    torch.manual_seed(0)
    for name, (factory, inputs_of, kind) in cases().items():
        model = factory()
        with torch.no_grad():
            for p in model.parameters():  # away from the default init, so a mixed-up layout shows
                p.uniform_(-0.6, 0.6)
        if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
            model.train()
            for _ in range(3):  # running statistics and num_batches_tracked = 3
                model(torch.randn(8, *inputs_of()["x"].shape[1:]) * 2 + 0.5)
        model.eval()
        inputs = inputs_of()
        write(f"{d}/{name}.safetensors", model.state_dict())
        write(f"{d}/{name}.io.safetensors", {**inputs, **run(model, kind, inputs)})
    x = torch.tensor([1.5, -2.25, 65504.0, 1e-4])
    write(f"{d}/dtypes.safetensors", {
        "f32": x, "f64": x.double() / 3, "f16": x.half(), "bf16": x.bfloat16(), "i32": torch.tensor([1, -2, 3], dtype=torch.int32),
        "i64": torch.tensor([7, -8, 2**31 - 1]), "bool": torch.tensor([True, False, True]), "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "empty": torch.zeros(0, 3),
    })


def check(d):
    report = {}
    for name, (factory, _inputs_of, kind) in cases().items():
        state, dtypes, _ = read(f"{d}/{name}.from-gradlab.safetensors")
        io, _, _ = read(f"{d}/{name}.from-gradlab.io.safetensors")
        model = factory()
        model.load_state_dict(state, strict=True)
        model.eval()
        inputs = {k: v for k, v in io.items() if not k.startswith("out_")}
        if "x" in inputs and name == "embedding":
            inputs["x"] = inputs["x"].long()
        outs = run(model, kind, inputs)
        diff = max(float((outs[k] - io["out_" + k]).abs().max()) for k in outs)
        report[name] = {"maxDiff": diff, "dtypes": sorted(set(dtypes.values())),
                        "int64": sorted(k for k, v in dtypes.items() if v == "I64")}
    print(json.dumps(report))


def dtypes(path):
    tensors, codes, _ = read(path)
    print(json.dumps({k: [codes[k], str(t.dtype), t.tolist()] for k, t in tensors.items()}))


if __name__ == "__main__":
    {"make": make, "check": check, "dtypes": dtypes}[sys.argv[1]](sys.argv[2])
