"""PyTorch default initialisation statistics: test/fixtures/torch/init_stats.json.

PyTorch's reset_parameters for Linear / Conv2d / ConvTranspose2d:
  weight ~ kaiming_uniform_(a=sqrt(5)) -> gain = sqrt(2/(1+a^2)) = sqrt(1/3),
           std = gain/sqrt(fan_in), bound = sqrt(3)*std = 1/sqrt(fan_in), i.e. U(-b, b)
  bias   ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
fan_in = weight.size(1) * prod(kernel) -- for ConvTranspose2d the weight is
[in, out, kH, kW], so fan_in = out_channels * kH * kW (dim 1 of the weight).
A uniform U(-b, b) has std b/sqrt(3).  The sample statistics below come from one draw
(seed 0, float32 as PyTorch's default); a test compares Eikon's draw against
expected_bound / expected_std with a tolerance, not value by value.
"""
import math
import torch, torch.nn as nn
from common import meta, write_json


def stats(t, bound):
    t = t.detach().to(torch.float64).reshape(-1)
    q = torch.quantile(t, torch.tensor([0.01, 0.25, 0.5, 0.75, 0.99], dtype=torch.float64)).tolist()
    return {"numel": t.numel(), "expected_bound": bound, "expected_std": bound / math.sqrt(3),
            "max_abs": float(t.abs().max()), "min": float(t.min()), "max": float(t.max()),
            "mean": float(t.mean()), "std": float(t.std(unbiased=False)),
            "quantiles": {"p01": q[0], "p25": q[1], "p50": q[2], "p75": q[3], "p99": q[4]},
            "expected_quantiles": {"p01": -0.98 * bound, "p25": -0.5 * bound, "p50": 0.0,
                                   "p75": 0.5 * bound, "p99": 0.98 * bound}}


def main():
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(0)
    mods = {
        "linear_784_512": (nn.Linear(784, 512), "Linear(784, 512)"),
        "conv2d_64_128_k4": (nn.Conv2d(64, 128, 4), "Conv2d(64, 128, kernel_size=4)"),
        "conv_transpose2d_128_64_k4": (nn.ConvTranspose2d(128, 64, 4), "ConvTranspose2d(128, 64, kernel_size=4)"),
    }
    out = {}
    for key, (m, desc) in mods.items():
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(m.weight)
        bound = 1 / math.sqrt(fan_in)
        out[key] = {"module": desc, "weight_shape": list(m.weight.shape), "bias_shape": list(m.bias.shape),
                    "fan_in": fan_in, "fan_out": fan_out,
                    "weight": stats(m.weight, bound), "bias": stats(m.bias, bound)}
    write_json("init_stats.json", {
        "meta": meta("make_init_stats.py", dtype="float32", seed=0,
                     rule="weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) [kaiming_uniform a=sqrt(5)]; "
                          "bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in = weight.shape[1] * kH * kW "
                          "(ConvTranspose2d weight is [in, out, kH, kW] so fan_in = out*kH*kW); "
                          "std = bound/sqrt(3); std is the population std (ddof 0)"),
        "modules": out})


if __name__ == "__main__":
    main()
