#!/usr/bin/python3
"""bench_torch.py - times the estimators in PyTorch (CPU, one thread) and the C benchmark in the
same run, in float64 and float32, then prints PyTorch's time over discgrad's with the
performance goals beside the ratios, each estimator's time over its arithmetic floor, and the
goals missed.

Usage (make bench-torch does this):
    /usr/bin/python3 examples/bench_torch.py [--bench build/bench] [--bench-float build/bench-float]
                     [--bench-portable build/bench-portable] [--time 0.25] [--passes 2]

--bench is the float64 build the goals are for (-O3 -march=native) and --bench-float the same
with DG_REAL=float, against PyTorch in float64 and float32; --bench-portable, when given, is a
plain -O2 build, whose float64 ratio should be at least 1 wherever PyTorch has the estimator.
Besides the four single problems, two batches of 64 independent problems (64 x 200 bits and
64 x 20 x 10 classes, each with its own logits and weights) go through discgrad's dg_ask /
dg_tell / dg_commit and through PyTorch as one tensor.

Each side runs --passes times (default 2), the two sides in turn, and each cell keeps each
side's fastest time: a shared host can slow down for minutes at a time, and a slow phase during
one side's only run would decide its ratios.

The objective is the same as in bench.c, f(z) = w.z, so both sides spend their time in the
estimator. Needs Debian's python3-torch; with DG_INSTALL=1 in the environment
(make bench-torch DG_INSTALL=1) it installs that package with apt-get when torch cannot be
imported, and otherwise says how to install it and stops.
"""
import argparse
import os
import subprocess
import sys
import time


def ensure_torch():
    try:
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("DG_BENCH_TORCH_INSTALLED"):
        sys.exit("python3-torch was installed but torch still cannot be imported")
    if os.environ.get("DG_INSTALL") != "1":
        sys.exit("bench_torch: torch cannot be imported. It comes in Debian's python3-torch:\n"
                 "    sudo apt-get update && sudo apt-get install python3-torch\n"
                 "or let this script run those commands: make bench-torch DG_INSTALL=1")
    print("torch not found: DG_INSTALL=1: installing Debian's python3-torch", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "python3-torch"], env=env, check=True)
    env["DG_BENCH_TORCH_INSTALLED"] = "1"
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


ensure_torch()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.distributions import Bernoulli, Categorical, RelaxedBernoulli  # noqa: E402

torch.set_num_threads(1)

# name, kind, D, K, batch: the sizes of bench.c (batch 0: one problem)
SIZES = [("1x2", "categorical", 1, 2, 0), ("32x10", "categorical", 32, 10, 0),
         ("200", "bernoulli", 200, 1, 0), ("1024x64", "categorical", 1024, 64, 0),
         ("64x200", "bernoulli", 200, 1, 64), ("64x20x10", "categorical", 20, 10, 64)]
# Goals for PyTorch time / discgrad time (the performance issue), by method and size, the same
# for float64 and float32.
GOALS = {
    "gumbel-softmax": {"1x2": 200, "32x10": 30, "1024x64": 5, "64x200": 10, "64x20x10": 10},
    "straight-through": {"1x2": 200, "32x10": 30, "1024x64": 5},
    "reinforce": {"1x2": 200, "32x10": 30, "1024x64": 5, "64x200": 10, "64x20x10": 10},
    "rloo": {"64x200": 10, "64x20x10": 10},
}
# Each estimator's time over its floor (bench.c's floor rows): goal at most this at 1024x64.
FLOOR_GOAL = 1.5
FLOORS = [("gumbel-softmax", "floor-gs"), ("straight-through", "floor-gs"), ("reinforce", "floor-rf")]


def make_estimators(kind, phi0, w):
    """Returns {method: function returning the gradient wrt the logits} for one problem, or a
    batch of them along the first dimension (every sum below is per example)."""
    phi = phi0.clone().requires_grad_()
    tau = 1.0
    ev = (-1,) if kind == "bernoulli" else (-2, -1)  # the dimensions of one example

    def f(z):
        return (w * z).sum(ev)

    def grad_of(loss):
        phi.grad = None
        loss.backward()
        return phi.grad

    def dist():
        return Bernoulli(logits=phi) if kind == "bernoulli" else Categorical(logits=phi)

    def onehot(z):
        return z if kind == "bernoulli" else F.one_hot(z, phi.shape[-1]).to(phi.dtype)

    def reinforce():
        q = dist()
        z = q.sample()
        return grad_of((f(onehot(z)).detach() * q.log_prob(z).sum(-1)).sum())

    def rloo(m=2):
        q = dist()
        z = q.sample((m,))
        fz = f(onehot(z)).detach()
        signal = (fz - fz.mean(0)) / (m - 1)
        return grad_of((signal * q.log_prob(z).sum(-1)).sum() / m)

    def gumbel_softmax(hard=False):
        if kind == "bernoulli":
            z = RelaxedBernoulli(torch.tensor(tau, dtype=phi.dtype), logits=phi).rsample()
            if hard:
                z = (z > 0.5).to(z.dtype) - z.detach() + z
        else:
            z = F.gumbel_softmax(phi, tau=tau, hard=hard)
        return grad_of(f(z).sum())

    def muprop():
        q = dist()
        z = onehot(q.sample())
        zbar = torch.sigmoid(phi) if kind == "bernoulli" else torch.softmax(phi, -1)
        zb = zbar.detach().requires_grad_()
        fb = f(zb)
        (gb,) = torch.autograd.grad(fb.sum(), zb)
        signal = (f(z) - fb - (gb * (z - zb)).sum(ev)).detach()
        logq = q.log_prob(z if kind == "bernoulli" else z.argmax(-1)).sum(-1)
        return grad_of((signal * logq).sum() + (gb * zbar).sum())

    def antithetic(disarm):
        with torch.no_grad():
            u = torch.rand_like(phi0)
            b1 = (u > torch.sigmoid(-phi0)).to(phi0.dtype)
            b2 = (u < torch.sigmoid(phi0)).to(phi0.dtype)
            df = (f(b1) - f(b2))[..., None]
            if not disarm:
                return df * (u - 0.5)
            sign = 1 - 2 * b2
            return 0.5 * df * sign * (b1 != b2).to(phi0.dtype) * torch.sigmoid(phi0.abs())

    est = {"reinforce": reinforce, "rloo": rloo, "muprop": muprop,
           "gumbel-softmax": gumbel_softmax,
           "straight-through": lambda: gumbel_softmax(hard=True)}
    if kind == "bernoulli":
        est["arm"] = lambda: antithetic(False)
        est["disarm"] = lambda: antithetic(True)
    return est


def time_call(fn, budget):
    """Microseconds per call as bench.c measures them: the chunk doubles until it lasts
    budget/16, chunks run until the budget is spent, and the fastest chunk counts."""
    fn()  # warm up
    chunk, best = 1, None
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        for _ in range(chunk):
            fn()
        t = time.perf_counter()
        if t - t0 >= budget / 16:
            per_call = (t - t0) / chunk
            best = per_call if best is None else min(best, per_call)
            if t - start >= budget:
                return 1e6 * best
        else:
            chunk *= 2


def torch_times(budget, dtype):
    """{(method, size): microseconds per estimate} in dtype; Bernoulli-only methods run 1x2 as
    one bit."""
    torch.set_default_dtype(dtype)
    out = {}
    gen = torch.Generator().manual_seed(2026)
    torch.manual_seed(2026)
    for name, kind, D, K, B in SIZES:
        shape = (D,) if kind == "bernoulli" else (D, K)
        if B:
            shape = (B,) + shape
        phi0 = 4 * torch.rand(shape, generator=gen) - 2
        w = 2 * torch.rand(shape, generator=gen) - 1
        est = make_estimators(kind, phi0, w)
        if name == "1x2":  # as bench.c: the antithetic methods see one Bernoulli variable
            bern = make_estimators("bernoulli", phi0[:, 0] - phi0[:, 1], w[:, 0] - w[:, 1])
            est["arm"], est["disarm"] = bern["arm"], bern["disarm"]
        for method, fn in est.items():
            out[(method, name)] = time_call(fn, budget)
    return out


def c_times(bench, budget):
    res = subprocess.run([bench, "--csv", "--time", str(budget)], check=True,
                         capture_output=True, text=True).stdout
    out, header = {}, None
    machine = ""
    for line in res.splitlines():
        if line.startswith("#"):
            machine = line[1:].strip()
            continue
        cols = line.split(",")
        if header is None:
            header = cols
            continue
        row = dict(zip(header, cols))
        out[(row["method"], row["size"])] = row
    return machine, out


def ratio_table(label, c, t, portable, missed):
    """Prints one precision's rows: PyTorch, discgrad, their ratio and the goal; adds the goals
    missed to `missed`."""
    extra = f" {'-O2 us':>10} {'-O2 ratio':>9}" if portable else ""
    print(f"## {label}")
    print(f"{'method':17} {'size':>8} {'PyTorch us':>11} {'discgrad us':>12} {'ratio':>8} {'goal':>6}"
          + extra)
    methods = []
    for (m, _s) in c:
        if m not in methods and not m.startswith("floor"):
            methods.append(m)
    for m in methods:
        for name, _kind, _D, _K, _B in SIZES:
            row = c.get((m, name))
            tt = t.get((m, name))
            if row is None or (tt is None and row["status"] != "ok"):
                continue
            cs = row["status"]
            cus = float(row["us_per_estimate"]) if cs == "ok" else None
            goal = GOALS.get(m, {}).get(name)
            goal_s = f">= {goal}" if goal else "-"
            tt_s = f"{tt:11.2f}" if tt is not None else f"{'-':>11}"
            cu_s = f"{cus:12.3f}" if cus is not None else f"{cs:>12}"
            ratio = f"{tt / cus:7.1f}x" if tt is not None and cus else f"{'-':>8}"
            if goal and tt is not None and cus and tt / cus < goal:
                missed.append(f"{label} {m} {name}: {tt / cus:.1f}x < {goal}x")
            extra = ""
            if portable:
                prow = portable.get((m, name))
                pus = float(prow["us_per_estimate"]) if prow and prow["status"] == "ok" else None
                pus_s = f"{pus:10.3f}" if pus else f"{'-':>10}"
                pratio = f"{tt / pus:8.1f}x" if tt is not None and pus else f"{'-':>9}"
                if tt is not None and pus and tt / pus < 1:
                    missed.append(f"{label} {m} {name} -O2: {tt / pus:.2f}x < 1x")
                extra = f" {pus_s} {pratio}"
            print(f"{m:17} {name:>8} {tt_s} {cu_s} {ratio} {goal_s:>6}" + extra)


def floor_table(label, c, missed):
    """Each estimator's time over its floor, from the C run's floor rows."""
    print(f"## {label}: discgrad's time over the arithmetic floor (goal <= {FLOOR_GOAL}x at 1024x64)")
    print(f"{'method':17} " + " ".join(f"{name:>9}" for name, *_ in SIZES))
    for m, fl in FLOORS:
        cells = []
        for name, *_ in SIZES:
            row, frow = c.get((m, name)), c.get((fl, name))
            if row and frow and row["status"] == "ok" and frow["status"] == "ok":
                r = float(row["us_per_estimate"]) / float(frow["us_per_estimate"])
                cells.append(f"{r:8.2f}x")
                if name == "1024x64" and r > FLOOR_GOAL:
                    missed.append(f"{label} {m} 1024x64 over {fl}: {r:.2f}x > {FLOOR_GOAL}x")
            else:
                cells.append(f"{'-':>9}")
        print(f"{m + '/' + fl[6:]:17} " + " ".join(cells))


def faster_c(a, b):
    """Per cell, the faster of two runs of one C benchmark (a cell that failed in one keeps the
    other's row)."""
    rows = dict(a[1])
    for key, row in b[1].items():
        old = rows.get(key)
        if old is None or (row["status"] == "ok" and (
                old["status"] != "ok" or float(row["us_per_estimate"]) < float(old["us_per_estimate"]))):
            rows[key] = row
    return a[0], rows


def faster_t(a, b):
    """Per cell, the faster of two runs of the PyTorch side."""
    return {key: min(us, b.get(key, us)) for key, us in a.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/bench", help="the C benchmark binary (float64)")
    ap.add_argument("--bench-float", help="the same built with DG_REAL=float (optional)")
    ap.add_argument("--bench-portable", help="a plain -O2 build of the benchmark (optional)")
    ap.add_argument("--time", type=float, default=0.25, help="seconds per cell")
    ap.add_argument("--passes", type=int, default=2,
                    help="runs of both sides, alternating; each cell keeps each side's fastest")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    # A shared host's speed can change for a minute or more at a time, which one side's run
    # alone would take for its own: both sides run `passes` times in turn, and each keeps its
    # fastest time per cell, as each run already keeps its fastest chunk.
    c = portable = cfloat = t64 = t32 = None
    for _ in range(max(1, args.passes)):
        run = c_times(args.bench, args.time)
        c = run if c is None else faster_c(c, run)
        if args.bench_portable:
            run = c_times(args.bench_portable, args.time)
            portable = run if portable is None else faster_c(portable, run)
        if args.bench_float:
            run = c_times(args.bench_float, args.time)
            cfloat = run if cfloat is None else faster_c(cfloat, run)
        run = torch_times(args.time, torch.float64)
        t64 = run if t64 is None else faster_t(t64, run)
        if args.bench_float:
            run = torch_times(args.time, torch.float32)
            t32 = run if t32 is None else faster_t(t32, run)
    machine, c = c
    print(f"# discgrad: {machine}")
    if cfloat:
        print(f"# discgrad float: {cfloat[0]}")
    if portable:
        print(f"# discgrad portable: {portable[0]} (columns -O2 us, -O2 ratio: goal >= 1)")
    print(f"# PyTorch {torch.__version__}, CPU, {torch.get_num_threads()} thread;"
          f" fastest of ~16 chunks in {args.time} s per cell and of {max(1, args.passes)}"
          f" alternating passes, both sides; f(z) = w.z;"
          f" load average {load0:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print("# ratio = PyTorch us / discgrad us per estimate (higher is better); goal from the"
          " performance issue; 64x200 and 64x20x10 are batches of 64 problems")
    missed = []
    ratio_table("float64", c, t64, portable[1] if portable else None, missed)
    if cfloat:
        ratio_table("float32 (DG_REAL=float)", cfloat[1], t32, None, missed)
    floor_table("float64", c, missed)
    if cfloat:
        floor_table("float32", cfloat[1], missed)
    print("# goals missed in this run: " + ("; ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
