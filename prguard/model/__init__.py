"""The model: the autoencoder, the scorer bundle that carries it to disk, and the MLflow registry."""
