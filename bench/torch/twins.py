"""PyTorch twins of bench/models/gradlab-models.ts, for `npm run bench`.

Run by bench/models/torch-peer.ts with Debian's python3-torch. It reads one JSON request a
line on stdin ({"model", "threads", "budget_ms"}), times that model's training step the way
bench/timing.ts does (one warm-up step, then steps until the budget is spent; the fastest is
reported) and answers one JSON line on stdout, so the caller can interleave both libraries.
"""
import gzip, json, math, os, struct, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "README.md")
FASHION = "/usr/share/datasets/fashion-mnist"
SUBSET = os.path.join(HERE, "..", "..", "data", "fashion-mnist-subset")


def corpus():
    text = open(CORPUS, encoding="utf8").read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return [index[c] for c in text], len(chars)


def windows(ids, batch, block, step=0):
    span = len(ids) - block - 1
    x, y = [], []
    for b in range(batch):
        s = ((step * batch + b) * 7919) % span
        x.append(ids[s:s + block])
        y.append(ids[s + 1:s + block + 1])
    return torch.tensor(x, dtype=torch.long), torch.tensor(y, dtype=torch.long)


# ---- tiny GPT: 2 blocks, d=128, 4 heads, block 64, batch 32, AdamW ----
LAYERS, D, HEADS, BLOCK, GPT_BATCH = 2, 128, 4, 64, 32


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(D, 3 * D)
        self.c_proj = nn.Linear(D, D)
        self.register_buffer("mask", ~torch.ones(BLOCK, BLOCK, dtype=torch.bool).tril())

    def forward(self, x):
        B, T, C = x.shape
        hs = C // HEADS
        q, k, v = (t.view(B, T, HEADS, hs).transpose(1, 2) for t in self.c_attn(x).split(C, dim=2))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = F.softmax(att.masked_fill(self.mask, float("-inf")), dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(D), CausalSelfAttention(), nn.LayerNorm(D)
        self.fc, self.proj = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class TinyGPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, D), nn.Embedding(BLOCK, D)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_f, self.head = nn.LayerNorm(D), nn.Linear(D, vocab, bias=False)
        self.register_buffer("pos", torch.arange(BLOCK))

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(self.pos)
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def make_gpt():
    ids, vocab = corpus()
    model = TinyGPT(vocab)
    return lm_step(model, torch.optim.AdamW(model.parameters(), lr=3e-4), *windows(ids, GPT_BATCH, BLOCK), vocab)


def lm_step(model, opt, x, y, vocab):
    """One next-token training step on fixed windows, and the tokens it processes."""
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x).view(-1, vocab), y.view(-1))
        loss.backward()
        opt.step()
        loss.item()
    return step, x.numel()


# ---- char-LSTM: embedding 64, one LSTM layer of 256, sequence 64, batch 32, Adam ----
EMBED, HIDDEN, SEQ, LSTM_BATCH = 64, 256, 64, 32


class CharLSTM(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, idx):
        out, _ = self.lstm(self.embed(idx))
        return self.head(out)


def make_lstm():
    ids, vocab = corpus()
    model = CharLSTM(vocab)
    return lm_step(model, torch.optim.Adam(model.parameters(), lr=2e-3), *windows(ids, LSTM_BATCH, SEQ), vocab)


# ---- image models on Fashion-MNIST batches ----
def read_idx(path):
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as f:
        raw = f.read()
    ndim = raw[3]
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).view(*shape)


def fashion_batches(batch, count=8):
    root = FASHION if os.path.isdir(FASHION) else SUBSET
    def find(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(root, name)):
                return os.path.join(root, name)
        raise FileNotFoundError(f"{stem} not in {root}")
    images = read_idx(find("t10k-images-idx3-ubyte")).float().div(255).unsqueeze(1)
    labels = read_idx(find("t10k-labels-idx1-ubyte")).long()
    return [(images[i * batch:(i + 1) * batch], labels[i * batch:(i + 1) * batch]) for i in range(count)]


def image_step(model, batch):
    batches = fashion_batches(batch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    state = {"i": 0}

    def step():
        x, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return step, batch


def make_cnn():
    return image_step(nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10)), 128)


def make_lenet():
    return image_step(nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10)), 64)


MODELS = {"gpt": make_gpt, "lstm": make_lstm, "cnn": make_cnn, "lenet": make_lenet}


def timed(fn, budget_ms, max_reps=200):
    fn()
    samples, start = [], time.perf_counter()
    while len(samples) < max_reps and (len(samples) < 3 or (time.perf_counter() - start) * 1000 < budget_ms):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        if (time.perf_counter() - start) * 1000 > budget_ms * 3:
            break
    samples.sort()
    return {"ms": samples[0], "median": samples[len(samples) // 2], "reps": len(samples)}


def main():
    torch.manual_seed(0)
    steps = {}
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            torch.set_num_threads(int(req["threads"]))
            name = req["model"]
            if name not in steps:
                torch.manual_seed(0)
                steps[name] = MODELS[name]()
            fn, items = steps[name]
            out = timed(fn, float(req["budget_ms"]))
            out["items"] = items
        except Exception as e:  # the caller prints it and goes on without this column
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
