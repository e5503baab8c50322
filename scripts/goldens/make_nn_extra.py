"""Extra goldens for src/nn and src/optim: test/fixtures/torch/nn_extra.json (float64).

- state_dicts: state_dict keys and shapes of small models, in PyTorch's order:
    "mlp_bn"   Sequential(Linear(3,4), BatchNorm1d(4), ReLU(), Linear(4,2))
    "mixed"    a Module with a Sequential of spectral_norm(Linear(3,4)), LeakyReLU, Dropout;
               a ModuleList [Conv2d(1,2,3), BatchNorm2d(2)]; LayerNorm([2]); Embedding(5,2);
               ConvTranspose2d(2,1,4,stride=2,padding=1, bias=False)
- activations: ReLU, LeakyReLU(0.2), Tanh, Sigmoid, Softplus(beta=2, threshold=5),
  Flatten, Unflatten outputs on a fixed input.
- batchnorm1d_cma: BatchNorm1d(3, momentum=None) (cumulative moving average) 3 train steps + eval.
- spectral_norm_conv2d / spectral_norm_conv_transpose2d: torch.nn.utils.spectral_norm over
  3 train steps + eval (dim=0 for Conv2d, dim=1 for ConvTranspose2d: the weight matrix is
  weight.permute(dim, ...).reshape(weight.shape[dim], -1)).
- schedulers: SequentialLR(LinearLR warm-up, CosineAnnealingLR) and ExponentialLR.
"""
import torch, torch.nn as nn
from common import T, meta, write_json


def keys(m):
    return [[k, list(v.shape)] for k, v in m.state_dict().items()]


class Mixed(nn.Module):
    def __init__(s):
        super().__init__()
        s.head = nn.Sequential(nn.utils.spectral_norm(nn.Linear(3, 4)), nn.LeakyReLU(0.2), nn.Dropout(0.5))
        s.blocks = nn.ModuleList([nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)])
        s.norm = nn.LayerNorm([2])
        s.embed = nn.Embedding(5, 2)
        s.up = nn.ConvTranspose2d(2, 1, 4, stride=2, padding=1, bias=False)


def fwd_bwd(m, x):
    x = x.clone().requires_grad_(True)
    for p in m.parameters():
        p.grad = None
    y = m(x)
    g = torch.randn_like(y)
    y.backward(g)
    grads = {"input": T(x.grad)}
    for k, p in m.named_parameters():
        grads[k] = T(p.grad)
    return {"input": T(x), "output": T(y), "grad_output": T(g), "grads": grads}


def spectral(layer, shape):
    m = nn.utils.spectral_norm(layer)
    case = {"initial": {k: T(v) for k, v in m.state_dict().items()}, "train_steps": []}
    m.train()
    for _ in range(3):
        step = fwd_bwd(m, torch.randn(*shape))
        step["weight_u"] = T(m.weight_u); step["weight_v"] = T(m.weight_v); step["weight"] = T(m.weight)
        case["train_steps"].append(step)
    m.eval()
    case["eval"] = fwd_bwd(m, torch.randn(*shape))
    return case


def lrs(make, n=20):
    W = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([W], lr=0.1)
    sch = make(opt)
    out = []
    for _ in range(n + 1):
        out.append(opt.param_groups[0]["lr"])
        opt.step(); sch.step()
    return out


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(4321)
    out = {}
    out["state_dicts"] = {
        "mlp_bn": keys(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))),
        "mixed": keys(Mixed()),
    }
    x = torch.randn(2, 3, 4) * 3
    out["activations"] = {
        "input": T(x),
        "relu": T(nn.ReLU()(x)), "leaky_relu_0.2": T(nn.LeakyReLU(0.2)(x)), "tanh": T(nn.Tanh()(x)),
        "sigmoid": T(nn.Sigmoid()(x)), "softplus_beta2_threshold5": T(nn.Softplus(beta=2, threshold=5)(x)),
        "flatten": T(nn.Flatten()(x)), "unflatten_1_3x4": T(nn.Unflatten(1, (3, 4))(nn.Flatten()(x))),
    }
    bn = nn.BatchNorm1d(3, momentum=None)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5); bn.bias.uniform_(-0.5, 0.5)
    case = {"params": {k: T(v) for k, v in bn.state_dict().items()}, "train_steps": []}
    bn.train()
    for s in range(3):
        step = fwd_bwd(bn, torch.randn(6, 3) * (1 + s) + s)
        step["running_mean"] = T(bn.running_mean); step["running_var"] = T(bn.running_var)
        step["num_batches_tracked"] = int(bn.num_batches_tracked)
        case["train_steps"].append(step)
    bn.eval()
    case["eval"] = fwd_bwd(bn, torch.randn(6, 3))
    out["batchnorm1d_cma"] = case
    out["spectral_norm_conv2d"] = spectral(nn.Conv2d(2, 3, 3, padding=1), (2, 2, 4, 5))
    out["spectral_norm_conv_transpose2d"] = spectral(nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (2, 3, 3, 3))

    def warm_cos(o):
        w = torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5)
        c = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10)
        return torch.optim.lr_scheduler.SequentialLR(o, [w, c], milestones=[5])
    out["schedulers"] = {
        "base_lr": 0.1,
        "note": "lr[i] is read before the i-th optimizer.step(); scheduler.step() follows each step",
        "warmup_cosine": {"start_factor": 0.1, "total_iters": 5, "T_max": 10, "milestone": 5,
                          "lr": lrs(warm_cos)},
        "exponential": {"gamma": 0.9, "lr": lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9))},
    }
    write_json("nn_extra.json", {"meta": meta("make_nn_extra.py", dtype="float64", seed=4321), **out})


if __name__ == "__main__":
    main()
