"""The digits workloads of issue 13 in PyTorch and scikit-learn, one line each.

    python digits.py        # W3: PyTorch float64/float32 and scikit-learn; W4: PyTorch float64/float32

W3: MLP 64-32-10 (ReLU), standardised features, softmax cross-entropy, Adam
(lr 0.01), batch 32, 20 epochs. W4: seed 004's Net on the digits upscaled to
32x32 (each pixel repeated 4x4, grey levels / 16), SGD (lr 0.01, momentum
0.9), batch 32, 15 epochs. The split: numpy's default_rng(1).permutation of
the 1,797 rows, the first 20 % held out; batches in a fixed order. One thread.
Each line: name, seconds, seconds per epoch, test accuracy, tab-separated.
"""
import sys
import time

import numpy as np


def data():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data.astype(np.float64), digits.target.astype(np.int64)
    order = np.random.default_rng(1).permutation(len(y))
    test = order[: round(0.2 * len(y))]
    train = order[round(0.2 * len(y)):]
    return x[train], y[train], x[test], y[test]


def line(name, seconds, epochs, accuracy):
    print(f"{name}\t{seconds:.4f}\t{seconds / epochs:.4f}\t{100 * accuracy:.1f}")
    sys.stdout.flush()


def torch_w3(dtype, name):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    xtr, ytr, xte, yte = data()
    mean, std = xtr.mean(0), xtr.std(0)
    std[std == 0] = 1
    xtr, xte = (xtr - mean) / std, (xte - mean) / std
    xtr, xte = torch.tensor(xtr, dtype=dtype), torch.tensor(xte, dtype=dtype)
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(20):
        for b in range(0, len(ytr), 32):
            optimizer.zero_grad()
            loss = criterion(model(xtr[b:b + 32]), ytr[b:b + 32])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (model(xte).argmax(1) == yte).double().mean().item()
    line(name, seconds, 20, accuracy)


def sklearn_w3():
    import warnings

    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    xtr, ytr, xte, yte = data()
    scaler = StandardScaler().fit(xtr)
    model = MLPClassifier(hidden_layer_sizes=(32,), solver="adam", learning_rate_init=0.01,
                          batch_size=32, max_iter=20, shuffle=False, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(scaler.transform(xtr), ytr)
    seconds = time.perf_counter() - start
    line("W3 scikit-learn MLPClassifier", seconds, 20, model.score(scaler.transform(xte), yte))


def torch_w4(dtype, name, epochs=15):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 6, 3)
            self.conv2 = torch.nn.Conv2d(6, 16, 3)
            self.fc1 = torch.nn.Linear(16 * 6 * 6, 120)
            self.fc2 = torch.nn.Linear(120, 84)
            self.fc3 = torch.nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    xtr, ytr, xte, yte = data()

    def images(x):
        x = (x / 16).reshape(-1, 1, 8, 8)
        return torch.tensor(np.repeat(np.repeat(x, 4, axis=2), 4, axis=3), dtype=dtype)

    xtr, xte = images(xtr), images(xte)
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    net = Net().to(dtype)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    criterion = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        for b in range(0, len(ytr), 32):
            optimizer.zero_grad()
            output = net(xtr[b:b + 32])
            loss = criterion(output, ytr[b:b + 32])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (net(xte).argmax(1) == yte).double().mean().item()
    line(name, seconds, epochs, accuracy)


if __name__ == "__main__":
    import torch

    torch_w3(torch.float64, "W3 PyTorch float64, 1 thread")
    torch_w3(torch.float32, "W3 PyTorch float32, 1 thread")
    sklearn_w3()
    torch_w4(torch.float64, "W4 PyTorch float64, 1 thread")
    torch_w4(torch.float32, "W4 PyTorch float32, 1 thread")
