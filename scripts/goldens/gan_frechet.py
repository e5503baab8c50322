"""Frechet distance goldens: test/fixtures/gan/frechet.json (run with /usr/bin/python3).

Random means and covariances (d = 6, and a rank-deficient d = 5 case); the distance is computed as
||mu1 - mu2||^2 + tr S1 + tr S2 - 2 sum_i sqrt(lambda_i(S1 S2)), the eigenvalues of the
non-symmetric product from numpy.linalg.eigvals (a different route from Eikon's symmetric
square roots). Also the unbiased covariance of a small feature matrix (numpy.cov).
"""
import json, os
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "gan", "frechet.json")


def fd(m1, s1, m2, s2):
    ev = np.linalg.eigvals(s1 @ s2)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(ev.real, 0, None)).sum())


def main():
    rng = np.random.default_rng(0)
    cases = []
    for d, rank in [(6, 6), (5, 3)]:
        a = rng.normal(size=(d, rank)); b = rng.normal(size=(d, d))
        s1 = a @ a.T / rank; s2 = b @ b.T / d + 0.1 * np.eye(d)
        m1 = rng.normal(size=d); m2 = rng.normal(size=d)
        cases.append({"d": d, "mean1": m1.tolist(), "cov1": s1.reshape(-1).tolist(), "mean2": m2.tolist(), "cov2": s2.reshape(-1).tolist(), "fid": fd(m1, s1, m2, s2)})
    f = rng.normal(size=(7, 3))
    out = {"note": __doc__, "generator": "scripts/goldens/gan_frechet.py", "numpy_version": np.__version__, "cases": cases,
           "features": f.reshape(-1).tolist(), "features_shape": [7, 3], "features_mean": f.mean(0).tolist(), "features_cov": np.cov(f, rowvar=False).reshape(-1).tolist()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote", os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    main()
