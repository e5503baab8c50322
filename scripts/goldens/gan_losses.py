"""GAN loss goldens: test/fixtures/gan/losses.json (run with /usr/bin/python3 from anywhere).

Fixed tiny networks in float64: G = MLP 2-4-4-2 and D = MLP 2-4-4-1 (ReLU), nn.Sequential, so
their state-dict names match Eikon's Sequential ("0.weight", ...). For each loss the record holds
D's loss on (x, G(z).detach()) with its gradient w.r.t. D's parameters, and G's loss on G(z) with
its gradient w.r.t. G's parameters. Also: WGAN-GP (double backprop, as the peer computes it),
the gradient penalty of a conv critic on image-shaped inputs (gradient flattened over C, H, W),
instance noise, and the generator's proximal term lambda * mean ||G(z) - G_prev(z)||^2.
"""
import json, math, os
import torch, torch.nn as nn, torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "gan", "losses.json")


def T(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    data = t.reshape(-1).tolist()
    assert all(math.isfinite(v) for v in data)
    return {"shape": list(t.shape), "data": data}


def state(m):
    return {k: T(v) for k, v in m.state_dict().items()}


def grads(m):
    return {k: T(p.grad if p.grad is not None else torch.zeros_like(p)) for k, p in m.named_parameters()}


def mlp(i, o):
    return nn.Sequential(nn.Linear(i, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, o))


def d_loss(kind, lr, lf):
    if kind in ("ns", "minimax"):
        return F.softplus(-lr).mean() + F.softplus(lf).mean()
    if kind == "lsgan":
        return 0.5 * ((lr - 1) ** 2).mean() + 0.5 * (lf ** 2).mean()
    return lf.mean() - lr.mean()


def g_loss(kind, lf):
    if kind == "ns":
        return F.softplus(-lf).mean()
    if kind == "minimax":
        return -F.softplus(lf).mean()      # log(1 - sigmoid(l)), minimized
    if kind == "lsgan":
        return 0.5 * ((lf - 1) ** 2).mean()
    return -lf.mean()


def penalty(D, r, f, e):
    xh = (e * r + (1 - e) * f).requires_grad_(True)
    g, = torch.autograd.grad(D(xh).sum(), xh, create_graph=True)
    return ((g.reshape(g.shape[0], -1).norm(dim=1) - 1) ** 2).mean()


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    G, D = mlp(2, 2), mlp(2, 1)
    B = 6
    x = torch.randn(B, 2) * 2
    z = torch.randn(B, 2)
    eps = torch.rand(B, 1)
    out = {"note": __doc__, "generator": "scripts/goldens/gan_losses.py", "torch_version": torch.__version__,
           "G": state(G), "D": state(D), "x": T(x), "z": T(z), "eps": T(eps), "losses": {}}
    for kind in ["ns", "minimax", "lsgan", "wgan", "wgan-gp"]:
        D.zero_grad(); G.zero_grad()
        f = G(z).detach()
        ld = d_loss(kind, D(x), D(f))
        if kind == "wgan-gp":
            gp = penalty(D, x, f, eps)
            ld = ld + 10 * gp
        ld.backward()
        rec = {"d_loss": ld.item(), "d_grads": grads(D)}
        if kind == "wgan-gp":
            rec["gp"] = gp.item()
        D.zero_grad(); G.zero_grad()
        lg = g_loss(kind, D(G(z)))
        lg.backward()
        rec["g_loss"] = lg.item()
        rec["g_grads"] = grads(G)
        out["losses"][kind] = rec

    # instance noise: sigma0 = 0.5 annealed over 10 steps, at step 4 -> sigma = 0.3 (ns loss)
    n_real, n_fake, n_gen = torch.randn(B, 2), torch.randn(B, 2), torch.randn(B, 2)
    sigma = 0.5 * max(0.0, 1 - 4 / 10)
    D.zero_grad(); G.zero_grad()
    f = G(z).detach()
    ld = d_loss("ns", D(x + sigma * n_real), D(f + sigma * n_fake))
    ld.backward()
    dg = grads(D)
    D.zero_grad(); G.zero_grad()
    lg = g_loss("ns", D(G(z) + sigma * n_gen))
    lg.backward()
    out["instance_noise"] = {"sigma0": 0.5, "steps": 10, "step": 4, "n_real": T(n_real), "n_fake": T(n_fake), "n_gen": T(n_gen),
                             "d_loss": ld.item(), "d_grads": dg, "g_loss": lg.item(), "g_grads": grads(G)}

    # the generator's proximal term: G_prev = G with perturbed weights, lambda = 0.5, ns loss
    Gp = mlp(2, 2)
    with torch.no_grad():
        for p, q in zip(Gp.parameters(), G.parameters()):
            p.copy_(q + 0.05 * torch.randn_like(q))
    lam = 0.5
    D.zero_grad(); G.zero_grad()
    y = G(z)
    prox = ((y - Gp(z).detach()) ** 2).sum(1).mean()
    total = g_loss("ns", D(y)) + lam * prox
    total.backward()
    out["proximal"] = {"lambda": lam, "G_prev": state(Gp), "prox": prox.item(), "g_loss": total.item(), "g_grads": grads(G)}

    # gradient penalty of a conv critic on images: the gradient is flattened over C, H, W
    C = nn.Sequential(nn.Conv2d(1, 2, 3, 1, 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * 4 * 4, 1))
    r, f, e = torch.randn(3, 1, 4, 4), torch.randn(3, 1, 4, 4), torch.rand(3, 1, 1, 1)
    C.zero_grad()
    gp = penalty(C, r, f, e)
    gp.backward()
    out["conv_gp"] = {"C": state(C), "real": T(r), "fake": T(f), "eps": T(e), "gp": gp.item(), "grads": grads(C)}

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote", os.path.relpath(OUT, ROOT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
