"""The autoencoder as a torch module, for training; scoring runs its weights in numpy (network.py)."""
from __future__ import annotations

import torch
from torch import nn

from prguard.model.network import AutoencoderConfig


class Autoencoder(nn.Module):
    """Feedforward autoencoder: inputs -> hidden -> bottleneck -> hidden -> inputs (linear output,
    since scaled features are unbounded in sign)."""

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        self.encoder = nn.Sequential(
            nn.Linear(config.n_features, config.hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.bottleneck),
        )
        self.decoder = nn.Sequential(
            nn.GELU(),
            nn.Linear(config.bottleneck, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.n_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    @torch.no_grad()
    def squared_errors(self, x: torch.Tensor) -> torch.Tensor:
        """Per-row, per-feature squared reconstruction error (the contributions); the score is its mean."""
        was_training = self.training
        self.eval()
        try:
            return (self(x) - x).pow(2)
        finally:
            self.train(was_training)
