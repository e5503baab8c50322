"""Loss / log-density goldens with input gradients: test/fixtures/torch/losses.json.

Each case records its inputs, its output, and gradients w.r.t. its (floating) inputs.
For a scalar output the gradient is d output / d input; for a tensor output the gradient
is of L = sum(output * grad_output) for the recorded grad_output.  float64 throughout.
"""
import math
import torch, torch.nn.functional as F
from torch.distributions import Bernoulli, Categorical, Normal, kl_divergence
from common import T, meta, write_json


def case(fn, inputs, note, scalar_grad=True, **extra):
    """inputs: dict name -> tensor (float tensors get gradients)."""
    leaves = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    y = fn(**leaves)
    rec = {"note": note}
    rec.update(extra)
    rec["inputs"] = {k: T(v) for k, v in inputs.items()}
    rec["output"] = T(y)
    if y.dim() == 0:
        y.backward()
    else:
        g = torch.randn_like(y)
        rec["grad_output"] = T(g)
        y.backward(g)
    rec["grads"] = {k: T(v.grad) for k, v in leaves.items() if v.is_floating_point()}
    return rec


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(42)
    c = {}
    logits = torch.tensor([[-40.0, -3.0, -0.5, 0.0], [0.7, 2.5, 15.0, 35.0]])
    target = torch.tensor([[0.0, 1.0, 0.3, 1.0], [0.0, 0.5, 1.0, 0.0]])
    c["bce_with_logits_mean"] = case(
        lambda logits, target: F.binary_cross_entropy_with_logits(logits, target), {"logits": logits, "target": target},
        "F.binary_cross_entropy_with_logits, reduction mean: mean(max(x,0) - x*t + log1p(exp(-|x|)))")
    c["bce_with_logits_sum"] = case(
        lambda logits, target: F.binary_cross_entropy_with_logits(logits, target, reduction="sum"),
        {"logits": logits, "target": target}, "reduction sum")
    c["bce_with_logits_none"] = case(
        lambda logits, target: F.binary_cross_entropy_with_logits(logits, target, reduction="none"),
        {"logits": logits, "target": target}, "reduction none (elementwise)")
    c["softplus"] = case(
        lambda x: F.softplus(x), {"x": torch.tensor([-40.0, -10.0, -1.5, -1e-3, 0.0, 0.25, 1.0, 5.0, 12.0, 19.5])},
        "F.softplus (beta 1): log(1 + exp(x)); grad = sigmoid(x). Inputs kept below PyTorch's threshold 20 "
        "(above it PyTorch returns x itself)")
    x = torch.tensor([[0.5, -1.0, 2.0, 0.0, 3.0], [1000.0, 999.0, 1001.5, -1000.0, 998.0], [-5.0, -5.0, -5.0, -5.0, -5.0]])
    c["log_softmax"] = case(lambda x: F.log_softmax(x, dim=-1), {"x": x},
                            "F.log_softmax over the last dim; row 1 checks stability for large values")
    c["logsumexp_last"] = case(lambda x: torch.logsumexp(x, dim=-1), {"x": x}, "torch.logsumexp over the last dim")
    c["logsumexp_all"] = case(lambda x: torch.logsumexp(x[[0, 2]], dim=(0, 1)), {"x": x},
                              "torch.logsumexp over all elements of rows 0 and 2 (x[[0,2]]) -> scalar; "
                              "grads.x is zero on row 1")
    mu = torch.randn(3, 4)
    logvar = torch.randn(3, 4) * 0.8
    c["kl_normal_std_normal_logvar"] = case(
        lambda mu, logvar: -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(-1), {"mu": mu, "logvar": logvar},
        "KL(N(mu, sigma^2) || N(0, 1)) summed over the last dim, sigma^2 = exp(logvar): "
        "0.5 * sum(mu^2 + exp(logvar) - 1 - logvar); output shape [3]")
    sigma = (0.5 * logvar).exp()
    c["kl_normal_std_normal_sigma"] = case(
        lambda mu, sigma: kl_divergence(Normal(mu, sigma), Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1),
        {"mu": mu, "sigma": sigma},
        "torch.distributions.kl_divergence(Normal(mu, sigma), Normal(0, 1)).sum(-1): "
        "sum(log(1/sigma) + (sigma^2 + mu^2)/2 - 1/2); same values as the logvar case, grads w.r.t. sigma")
    bl = torch.tensor([[-30.0, -2.0, -0.3, 0.0], [0.4, 1.7, 6.0, 25.0]])
    bv = torch.tensor([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0]])
    c["bernoulli_log_prob_logits"] = case(
        lambda logits, value: Bernoulli(logits=logits).log_prob(value), {"logits": bl, "value": bv},
        "torch.distributions.Bernoulli(logits=logits).log_prob(value) = -bce_with_logits(logits, value) "
        "elementwise; grads.value is d/dvalue = logits (PyTorch treats value as continuous)")
    cl = torch.tensor([[0.1, -1.2, 2.0, 0.5, -0.3], [3.0, 3.0, -2.0, 0.0, 1.0], [-10.0, 0.0, 10.0, 5.0, 7.5]])
    ci = torch.tensor([2, 4, 0])
    c["categorical_log_prob_logits"] = case(
        lambda logits, value: Categorical(logits=logits).log_prob(value), {"logits": cl, "value": ci},
        "torch.distributions.Categorical(logits=logits).log_prob(value) = log_softmax(logits)[i, value[i]]; "
        "value is int64")

    # Gradient penalty: critic f(x) = W2 tanh(W1 x + b1) + b2, 2 -> 4 -> 1.
    W1 = torch.randn(4, 2); b1 = torch.randn(4) * 0.5; W2 = torch.randn(1, 4); b2 = torch.randn(1) * 0.5
    xs = torch.randn(3, 2)
    ps = {k: v.clone().requires_grad_(True) for k, v in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    xr = xs.clone().requires_grad_(True)
    f = torch.tanh(xr @ ps["W1"].T + ps["b1"]) @ ps["W2"].T + ps["b2"]
    gx, = torch.autograd.grad(f.sum(), xr, create_graph=True)
    norms = gx.norm(dim=1)
    gp = ((norms - 1) ** 2).mean()
    gps = torch.autograd.grad(gp, [ps[k] for k in ("W1", "b1", "W2", "b2")], allow_unused=True)
    gps = [torch.zeros_like(ps[k]) if g is None else g for k, g in zip(("W1", "b1", "W2", "b2"), gps)]
    c["gradient_penalty"] = {
        "note": "critic f(x) = tanh(x @ W1^T + b1) @ W2^T + b2 (2 -> 4 -> 1). grad_x = d sum(f) / d x per row "
                "(shape [3,2]); penalty = mean((||grad_x||_2 - 1)^2) over the batch; grads = d penalty / d "
                "param via double backprop (torch.autograd.grad with create_graph=True). grads.b2 is 0.",
        "params": {"W1": T(W1), "b1": T(b1), "W2": T(W2), "b2": T(b2)},
        "inputs": {"x": T(xs)},
        "critic_output": T(f), "grad_x": T(gx), "grad_x_norm": T(norms),
        "output": float(gp),
        "grads": {k: T(g) for k, g in zip(("W1", "b1", "W2", "b2"), gps)},
    }
    write_json("losses.json", {"meta": meta("make_losses.py", dtype="float64", seed=42,
                                            convention="scalar output: grads = d output / d input; tensor "
                                                       "output: grads of sum(output * grad_output)"),
                               "cases": c})


if __name__ == "__main__":
    main()
