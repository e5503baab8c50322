"""Goldens for nn modules: test/fixtures/torch/modules.json (float64 throughout).

Every case records the module's parameters (state_dict names), an input, the output,
and gradients of the scalar L = sum(output * grad_output) for a recorded random
grad_output: grads.input (w.r.t. the input) and grads.<param name> (w.r.t. each
parameter).  Train-mode modules (batch norm, spectral norm) record a list of steps.
"""
import torch, torch.nn as nn, torch.nn.functional as F
from common import T, meta, write_json


def sd(m):
    return {k: T(v) for k, v in m.state_dict().items()}


def fwd_bwd(m, x, extra_params=None):
    """Forward m(x) with input grads, backward with a random grad_output."""
    x = x.clone().requires_grad_(True)
    for p in m.parameters():
        p.grad = None
    y = m(x)
    g = torch.randn_like(y)
    y.backward(g)
    grads = {"input": T(x.grad)}
    for k, p in m.named_parameters():
        grads[k] = T(p.grad if p.grad is not None else torch.zeros_like(p))
    return {"input": T(x), "output": T(y), "grad_output": T(g), "grads": grads}


def simple(kind, config, m, x):
    case = {"kind": kind, "config": config, "params": sd(m)}
    case.update(fwd_bwd(m, x))
    return case


def batchnorm(kind, C, shape_fn):
    m = getattr(nn, kind)(C)
    with torch.no_grad():
        m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.5, 0.5)
    case = {"kind": kind,
            "config": {"num_features": C, "eps": m.eps, "momentum": m.momentum, "affine": True,
                       "track_running_stats": True},
            "note": "train mode normalises with the biased batch variance; running_var is updated "
                    "with the unbiased one: r <- (1-momentum)*r + momentum*stat. Parameters are not "
                    "updated between steps (no optimizer).",
            "params": sd(m), "train_steps": []}
    m.train()
    for s in range(3):
        x = torch.randn(*shape_fn()) * (1 + s) + 0.3 * s
        step = fwd_bwd(m, x)
        step["running_mean"] = T(m.running_mean)
        step["running_var"] = T(m.running_var)
        step["num_batches_tracked"] = int(m.num_batches_tracked)
        case["train_steps"].append(step)
    m.eval()
    case["eval"] = fwd_bwd(m, torch.randn(*shape_fn()))
    return case


def pixel_mask(k, kind):
    """van den Oord et al. 2016: rows above centre all 1, centre row 1 left of centre
    (and at the centre for type B), everything else 0."""
    m = torch.ones(k, k); c = k // 2
    m[c, c + (kind == "B"):] = 0
    m[c + 1:, :] = 0
    return m


class MaskedConv(nn.Conv2d):
    def __init__(s, kind, cin, cout, k):
        super().__init__(cin, cout, k, padding=k // 2)
        s.register_buffer("mask", pixel_mask(k, kind).expand_as(s.weight).clone())
    def forward(s, x):
        return F.conv2d(x, s.weight * s.mask, s.bias, padding=s.padding)


def masked(kind):
    m = MaskedConv(kind, 2, 3, 5)
    case = {"kind": "MaskedConv2d", "config": {"mask_type": kind, "in_channels": 2, "out_channels": 3,
                                               "kernel_size": 5, "stride": 1, "padding": 2},
            "note": "output = conv2d(x, weight * mask, bias, padding=2); mask (5x5) is broadcast over "
                    "[out, in]; grads.weight is w.r.t. the raw weight (zero where masked)",
            "params": {"weight": T(m.weight), "bias": T(m.bias)},
            "mask": T(pixel_mask(5, kind)),
            "masked_weight": T(m.weight * m.mask)}
    case.update(fwd_bwd(m, torch.randn(2, 2, 6, 7)))
    return case


def spectral():
    m = nn.utils.spectral_norm(nn.Linear(6, 4))  # n_power_iterations=1, eps=1e-12, dim=0
    case = {"kind": "SpectralNormLinear",
            "config": {"in_features": 6, "out_features": 4, "n_power_iterations": 1, "eps": 1e-12, "dim": 0},
            "note": "train-mode forward: v <- normalize(W^T u), u <- normalize(W v) (no grad), "
                    "sigma = u . (W v), weight = weight_orig / sigma, y = x weight^T + bias. "
                    "normalize(a) = a / max(||a||, eps). The initial weight_v is overwritten by the "
                    "first power iteration. Gradients flow through sigma with u, v held constant. "
                    "weight_orig is not updated between steps.",
            "initial": {"weight_orig": T(m.weight_orig), "bias": T(m.bias),
                        "weight_u": T(m.weight_u), "weight_v": T(m.weight_v)},
            "train_steps": []}
    m.train()
    for s in range(3):
        x = torch.randn(3, 6)
        step = fwd_bwd(m, x)
        u, v = m.weight_u, m.weight_v
        step["weight_u"] = T(u); step["weight_v"] = T(v)
        step["sigma"] = float(torch.dot(u, m.weight_orig @ v))
        step["weight"] = T(m.weight)
        case["train_steps"].append(step)
    m.eval()
    case["eval"] = fwd_bwd(m, torch.randn(3, 6))
    case["eval"]["weight"] = T(m.weight)
    case["eval"]["note"] = "eval mode: no power iteration; weight uses the stored u, v from the last train step"
    return case


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(1234)
    cases = {}
    cases["linear"] = simple("Linear", {"in_features": 5, "out_features": 3, "bias": True},
                             nn.Linear(5, 3), torch.randn(4, 5))
    cases["conv2d"] = simple("Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2,
                                        "padding": 1, "dilation": 1, "groups": 1},
                             nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.randn(2, 2, 7, 6))
    cases["conv2d_dilated_grouped"] = simple(
        "Conv2d", {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "stride": 1, "padding": 1,
                   "dilation": 2, "groups": 2},
        nn.Conv2d(4, 4, 3, padding=1, dilation=2, groups=2), torch.randn(2, 4, 6, 7))
    cases["conv_transpose2d"] = simple(
        "ConvTranspose2d", {"in_channels": 3, "out_channels": 2, "kernel_size": 4, "stride": 2, "padding": 1,
                            "output_padding": 0, "note": "weight shape is [in, out, kH, kW]"},
        nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), torch.randn(2, 3, 3, 4))
    cases["conv_transpose2d_output_padding"] = simple(
        "ConvTranspose2d", {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1,
                            "output_padding": 1, "note": "weight shape is [in, out, kH, kW]"},
        nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), torch.randn(2, 3, 3, 4))
    cases["batchnorm1d"] = batchnorm("BatchNorm1d", 4, lambda: (5, 4))
    cases["batchnorm2d"] = batchnorm("BatchNorm2d", 3, lambda: (4, 3, 3, 2))
    for key, shape in (("layernorm_last", [4]), ("layernorm_last2", [3, 4])):
        m = nn.LayerNorm(shape)
        with torch.no_grad():
            m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.5, 0.5)
        cases[key] = simple("LayerNorm", {"normalized_shape": shape, "eps": m.eps,
                                          "elementwise_affine": True,
                                          "note": "biased variance over the normalized dims"},
                            m, torch.randn(2, 3, 4) * 2 + 1)
    emb = nn.Embedding(10, 4)
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    y = emb(idx); g = torch.randn_like(y); y.backward(g)
    cases["embedding"] = {"kind": "Embedding", "config": {"num_embeddings": 10, "embedding_dim": 4},
                          "note": "indices is an int64 tensor; grads.weight accumulates repeated indices "
                                  "(2 and 4 appear twice)",
                          "params": sd(emb), "indices": T(idx), "output": T(y), "grad_output": T(g),
                          "grads": {"weight": T(emb.weight.grad)}}
    cases["masked_conv_A"] = masked("A")
    cases["masked_conv_B"] = masked("B")
    cases["spectral_norm_linear"] = spectral()
    write_json("modules.json", {
        "meta": meta("make_modules.py", dtype="float64", seed=1234,
                     convention="L = sum(output * grad_output); grads.input = dL/dinput, grads.<name> = dL/dparam; "
                                "conv tensors are NCHW, conv weights [out, in/groups, kH, kW], "
                                "conv-transpose weights [in, out, kH, kW]"),
        "cases": cases})


if __name__ == "__main__":
    main()
