"""Regenerate every PyTorch golden under test/fixtures/torch/ (deterministic: each
generator seeds torch itself).  Run from anywhere:  /usr/bin/python3 scripts/goldens/make_all.py
Needs Debian's python3-torch and python3-numpy (apt-get install -y python3-torch python3-numpy).
"""
import importlib, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch

GENERATORS = ["make_modules", "make_init_stats", "make_optim", "make_losses", "make_safetensors",
              "make_nn_extra"]

if __name__ == "__main__":
    torch.set_num_threads(1)  # single-threaded kernels: identical sums run to run
    for name in GENERATORS:
        torch.set_default_dtype(torch.float32)
        importlib.import_module(name).main()
