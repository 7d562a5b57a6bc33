"""Benchmark: autoencoder training time on 100k feature rows (synthetic, shaped like PR features).

Run: .venv/bin/python -m perf.bench_train [--rows 100000] [--epochs 60] [--threads 1]
Columns mimic the real feature set: log-scaled heavy-tailed counts that move together, rare 0/1 flags,
cyclic time features. Prints rows, epochs run, wall time, time per epoch and the realised alert rate.
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from batch.train import TrainConfig, alert_rate, fit, threshold_for
from prguard.features import extraction
from prguard.model.autoencoder import Autoencoder


def synthetic_rows(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    size = rng.normal(1.0, 0.9, size=(n, 1))  # one latent "size" drives the count features
    counts = np.log1p(np.exp(size + rng.normal(0, 0.4, size=(n, d // 3))))
    flags = (rng.random((n, d // 3)) < rng.uniform(0.005, 0.3, size=d // 3)).astype(float)
    hours = rng.uniform(0, 2 * np.pi, size=(n, 1))
    rest = d - counts.shape[1] - flags.shape[1]
    cyclic = np.concatenate([np.sin(hours), np.cos(hours)] * (rest // 2 + 1), axis=1)[:, :rest]
    return np.concatenate([counts, flags, cyclic], axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--threads", type=int, default=TrainConfig.threads)
    args = parser.parse_args()
    d = len(extraction.FEATURE_NAMES)
    rows = synthetic_rows(args.rows, d)
    n_val = int(args.rows * TrainConfig.validation_fraction)
    config = dataclasses.replace(TrainConfig(), epochs=args.epochs, threads=args.threads)
    started = time.perf_counter()
    fitted = fit(rows[:-n_val], rows[-n_val:], config)
    elapsed = time.perf_counter() - started
    model = Autoencoder(fitted.model_config)
    model.load_state_dict(fitted.state_dict)
    import torch  # after fit, which sets the thread count it needs

    scaled = torch.from_numpy(fitted.scaler.transform(rows[-n_val:]))
    errors = model.squared_errors(scaled).mean(dim=1).numpy()
    threshold = threshold_for(errors, config.threshold_k)
    epochs = len(fitted.history)
    print(f"rows: {args.rows} ({args.rows - n_val} train / {n_val} validation), features: {d}, "
          f"threads: {args.threads}")
    print(f"epochs run: {epochs} (best {fitted.best_epoch}); training time: {elapsed:.1f} s "
          f"({elapsed / epochs:.2f} s/epoch, {(args.rows - n_val) * epochs / elapsed:,.0f} rows/s)")
    print(f"validation alert rate at mean + {config.threshold_k:g} std: {alert_rate(errors, threshold):.2%}")


if __name__ == "__main__":
    main()
