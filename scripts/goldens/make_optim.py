"""Optimizer / gradient-clipping / LR-scheduler goldens: test/fixtures/torch/optim.json.

Problem (float64): parameters W [3,4] and b [4]; fixed data X [5,4], Y [5,3];
  loss(W, b) = sum((tanh(X + b) @ W^T - Y)^2) / 5 + 0.1 * sum(log(1 + b^2))
(X + b broadcasts b over rows).  For each optimizer configuration, starting from W0, b0:
  repeat 3 times: zero grads; loss; backward; [clip]; optimizer.step()
and record, per step, the loss and grads (before the step, at the pre-step parameters),
the parameters after the step, and the optimizer state after the step.
"""
import math
import torch
from common import T, meta, write_json

CONFIGS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("adam", "Adam", {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8}),
    ("adam_weight_decay", "Adam", {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01}),
    ("adamw", "AdamW", {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01}),
    ("rmsprop", "RMSprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}),
    ("rmsprop_momentum_centered", "RMSprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.9,
                                              "centered": True}),
]

NOTES = {
    "SGD": "torch.optim.SGD: g += wd*p; buf = g (first step) else momentum*buf + g (dampening 0); "
           "nesterov: g = g + momentum*buf else g = buf; p -= lr*g. state.momentum_buffer = buf",
    "Adam": "torch.optim.Adam: g += wd*p (L2, coupled); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; "
            "p -= lr * (m/(1-b1^t)) / (sqrt(v)/sqrt(1-b2^t) + eps). state: exp_avg=m, exp_avg_sq=v",
    "AdamW": "torch.optim.AdamW: p *= 1 - lr*wd (decoupled), then the Adam update without wd in g",
    "RMSprop": "torch.optim.RMSprop: sq = alpha sq + (1-alpha) g^2; centered: ga = alpha ga + (1-alpha) g, "
               "avg = sqrt(sq - ga^2) + eps, else avg = sqrt(sq) + eps; momentum>0: buf = momentum buf + g/avg, "
               "p -= lr buf; else p -= lr g/avg. state: square_avg, grad_avg, momentum_buffer",
}


def loss_fn(W, b, X, Y):
    r = torch.tanh(X + b) @ W.T - Y
    return (r ** 2).sum() / X.shape[0] + 0.1 * torch.log1p(b ** 2).sum()


def state_of(opt, params, names):
    out = {}
    for p, n in zip(params, names):
        st = opt.state.get(p, {})
        out[n] = {k: T(v) for k, v in st.items() if torch.is_tensor(v) and v.dim() > 0}
        if "step" in st:
            out[n]["step"] = int(st["step"])
    return out


def run(cls, hyper, problem, steps=3, clip=None):
    W = problem["W0"].clone().requires_grad_(True)
    b = problem["b0"].clone().requires_grad_(True)
    kw = dict(hyper)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    opt = getattr(torch.optim, cls)([W, b], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(W, b, problem["X"], problem["Y"])
        loss.backward()
        rec = {"loss": float(loss)}
        if clip is not None:
            rec["grads_raw"] = {"W": T(W.grad), "b": T(b.grad)}
            rec["total_norm"] = float(torch.nn.utils.clip_grad_norm_([W, b], clip))
            rec["clip_coef"] = min(1.0, clip / (rec["total_norm"] + 1e-6))
        rec["grads"] = {"W": T(W.grad), "b": T(b.grad)}
        opt.step()
        rec["params_after"] = {"W": T(W), "b": T(b)}
        rec["state_after"] = state_of(opt, [W, b], ["W", "b"])
        out.append(rec)
    with torch.no_grad():
        final = float(loss_fn(W, b, problem["X"], problem["Y"]))
    return out, final


def schedule(name, make, n=12):
    W = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([W], lr=0.1)
    sch = make(opt)
    lrs = []
    for _ in range(n + 1):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step(); sch.step()
    return lrs


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(7)
    problem = {"X": torch.randn(5, 4), "Y": torch.randn(5, 3) * 2,
               "W0": torch.randn(3, 4) * 0.5, "b0": torch.randn(4) * 0.5}
    opts = {}
    for key, cls, hyper in CONFIGS:
        steps, final = run(cls, hyper, problem)
        opts[key] = {"optimizer": cls, "hyper": hyper, "note": NOTES[cls], "steps": steps, "loss_final": final}
    steps, final = run("SGD", {"lr": 0.1}, problem, clip=1.0)
    assert all(s["total_norm"] > 1.0 for s in steps), "clip case must actually clip"
    clip = {"optimizer": "SGD", "hyper": {"lr": 0.1}, "max_norm": 1.0, "norm_type": 2.0,
            "note": "torch.nn.utils.clip_grad_norm_: total_norm = ||concat(all grads)||_2; "
                    "coef = min(1, max_norm / (total_norm + 1e-6)); every grad *= coef; then SGD step. "
                    "grads_raw = before clipping, grads = after clipping",
            "steps": steps, "loss_final": final}

    T_max = 10
    cos = schedule("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T_max))
    closed = [0.1 * (1 + math.cos(math.pi * e / T_max)) / 2 for e in range(13)]
    cos_dev = max(abs(a - c) for a, c in zip(cos, closed))
    scheds = {
        "base_lr": 0.1,
        "note": "lr[i] is the learning rate in effect for epoch i (i = 0..12): read before the i-th "
                "optimizer.step(); scheduler.step() is called after each optimizer.step()",
        "cosine_annealing": {"T_max": T_max, "eta_min": 0.0, "lr": cos,
                             "closed_form": "eta_min + (base_lr - eta_min) * (1 + cos(pi * i / T_max)) / 2",
                             "max_abs_dev_from_closed_form": cos_dev,
                             "note": "PyTorch computes this recursively; past T_max it keeps following the "
                                     "cosine (rises again), matching the closed form"},
        "step_lr": {"step_size": 3, "gamma": 0.5,
                    "lr": schedule("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
                    "closed_form": "base_lr * gamma ** floor(i / step_size)"},
        "linear_warmup": {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5,
                          "lr": schedule("linear", lambda o: torch.optim.lr_scheduler.LinearLR(
                              o, start_factor=0.1, end_factor=1.0, total_iters=5)),
                          "closed_form": "base_lr * (start + (end - start) * min(i, total_iters) / total_iters)"},
    }
    write_json("optim.json", {
        "meta": meta("make_optim.py", dtype="float64", seed=7,
                     loss="sum((tanh(X + b) @ W^T - Y)^2) / 5 + 0.1 * sum(log(1 + b^2))",
                     convention="steps[k].loss and steps[k].grads are at the parameters before step k "
                                "(params_after of step k-1, or W0/b0); params_after/state_after follow "
                                "optimizer.step(). grads are the raw loss gradients (weight decay is "
                                "applied inside the optimizer)."),
        "problem": {k: T(v) for k, v in problem.items()},
        "optimizers": opts, "clip_grad_norm_sgd": clip, "schedulers": scheds})


if __name__ == "__main__":
    main()
