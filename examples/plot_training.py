#!/usr/bin/python3
"""Loss and accuracy curves of one or more `apical train` files, drawn together.

    /usr/bin/python3 examples/plot_training.py RUN.h5 [RUN2.h5 ...] [-o training.png] [--labels a,b]

Reads /training/{epoch, train_loss, test_loss, train_accuracy, test_accuracy} and the attributes
of /training (method, optimizer, lr); one colour per file, solid test, dashed train. Prints the
final test loss and accuracy of each file. Needs h5py, numpy, matplotlib.
"""
import argparse
import os
import sys

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def attr(g, k, default=""):
    v = g.attrs.get(k, default)
    return v.decode() if isinstance(v, bytes) else v


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("-o", "--output", default="training.png")
    ap.add_argument("--labels", default="", help="comma-separated legend labels (default: file name and method)")
    a = ap.parse_args(argv)
    labels = a.labels.split(",") if a.labels else []
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for i, path in enumerate(a.runs):
        with h5py.File(path, "r") as f:
            g = f["training"]
            e = g["epoch"][()]
            label = labels[i] if i < len(labels) else f"{os.path.basename(path)} ({attr(g, 'method')})"
            c = f"C{i}"
            ax[0].plot(e, g["test_loss"][()], "-", color=c, label=label + " test")
            ax[0].plot(e, g["train_loss"][()], "--", color=c, label=label + " train")
            acc_test, acc_train = g["test_accuracy"][()], g["train_accuracy"][()]
            if np.isfinite(acc_test).any():
                ax[1].plot(e, 100 * acc_test, "-", color=c)
                ax[1].plot(e, 100 * acc_train, "--", color=c)
            print(f"{path}: {attr(g, 'method')} {attr(g, 'optimizer')}, {int(e[-1])} epochs, "
                  f"test loss {g['test_loss'][-1]:.4f}, test accuracy {100 * acc_test[-1]:.1f}%")
    ax[0].set_xlabel("epoch")
    ax[0].set_ylabel("loss")
    ax[0].set_yscale("log")
    ax[0].legend(fontsize=7)
    ax[1].set_xlabel("epoch")
    ax[1].set_ylabel("accuracy (%)")
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print("wrote", a.output)


if __name__ == "__main__":
    main(sys.argv[1:])
