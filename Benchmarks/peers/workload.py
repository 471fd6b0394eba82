"""micrograd's demo workload (W1) for the peers, from Backprop's fixtures.

MLP(2, [16, 16, 1]), relu hidden layers, linear output; 100 two-moons points
with labels -1/+1; loss = mean(relu(1 - y * score)) + 1e-4 * sum(p * p);
100 full-batch steps of gradient descent with lr = 1 - 0.9 * k / 100.
Each runner prints one line: name, seconds for the steps it ran, the steps,
and the loss at step 0 and at the last step (to check it computes the same).
"""
import os, re, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "Sources", "MicrogradFixtures", "MicrogradDemo.swift")


def load():
    text = open(FIXTURE).read()
    def block(name):
        start = text.index("static let " + name)
        body = text[text.index("= [", start) + 3 : text.index("\n  ]", start)]
        return body
    rows = re.findall(r"\[([^\[\]]+)\]", block("features"))
    X = [[float(v) for v in r.split(",")] for r in rows]
    y = [float(v) for v in re.findall(r"-?\d+\.\d+", block("labels"))]
    params = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", block("initialParameters"))]
    curve = [float(a) for a, _ in re.findall(r"\(([-\d.e]+), ([-\d.e]+)\)", block("referenceCurve"))]
    assert len(X) == 100 and len(y) == 100 and len(params) == 337, (len(X), len(y), len(params))
    return X, y, params, curve


def report(name, seconds, steps, first, last):
    print(f"{name}\t{seconds:.6f}\t{steps}\t{first!r}\t{last!r}", flush=True)


def run_micrograd(steps):
    from micrograd.engine import Value
    from micrograd.nn import MLP
    X, y, params, _ = load()
    model = MLP(2, [16, 16, 1])
    for p, v in zip(model.parameters(), params):
        p.data = v
    losses = []
    start = time.perf_counter()
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(y))
        reg = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(total.data)
    report("micrograd", time.perf_counter() - start, steps, losses[0], losses[-1])


def unpack(params, xp):
    """micrograd's parameter order -> weight matrices and bias vectors."""
    sizes = [2, 16, 16, 1]
    layers, k = [], 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        W, b = [], []
        for _ in range(n_out):
            W.append(params[k : k + n_in]); k += n_in
            b.append(params[k]); k += 1
        layers.append((xp.asarray(W, dtype=xp.float64), xp.asarray(b, dtype=xp.float64)))
    return layers


def run_torch(steps):
    import torch
    torch.set_num_threads(1)
    X, y, params, _ = load()
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    layers = [(W.clone().requires_grad_(), b.clone().requires_grad_()) for W, b in unpack(params, torch)]
    losses = []
    start = time.perf_counter()
    for k in range(steps):
        h = Xt
        for i, (W, b) in enumerate(layers):
            h = h @ W.T + b
            if i < 2:
                h = torch.relu(h)
        score = h[:, 0]
        total = torch.relu(1 - yt * score).mean() + 1e-4 * sum((W * W).sum() + (b * b).sum() for W, b in layers)
        for W, b in layers:
            W.grad = None; b.grad = None
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for W, b in layers:
                W -= lr * W.grad; b -= lr * b.grad
        losses.append(total.item())
    report("PyTorch (float64, 1 thread)", time.perf_counter() - start, steps, losses[0], losses[-1])


def run_jax(steps):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    X, y, params, _ = load()
    Xj = jnp.asarray(X, dtype=jnp.float64)
    yj = jnp.asarray(y, dtype=jnp.float64)
    layers = unpack(params, jnp)

    def loss(layers):
        h = Xj
        for i, (W, b) in enumerate(layers):
            h = h @ W.T + b
            if i < 2:
                h = jax.nn.relu(h)
        reg = sum(jnp.sum(W * W) + jnp.sum(b * b) for W, b in layers)
        return jnp.mean(jax.nn.relu(1 - yj * h[:, 0])) + 1e-4 * reg

    @jax.jit
    def step(layers, lr):
        value, grads = jax.value_and_grad(loss)(layers)
        return [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(layers, grads)], value

    step(layers, 1.0)[1].block_until_ready()  # compile outside the timing
    losses = []
    start = time.perf_counter()
    for k in range(steps):
        layers, value = step(layers, 1.0 - 0.9 * k / 100)
        losses.append(value)
    last = float(losses[-1].block_until_ready())
    report("JAX (float64, jit-compiled step)", time.perf_counter() - start, steps, float(losses[0]), last)


if __name__ == "__main__":
    which, steps = sys.argv[1], int(sys.argv[2])
    {"micrograd": run_micrograd, "torch": run_torch, "jax": run_jax}[which](steps)
