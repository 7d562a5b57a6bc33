"""PRGuard's shared core: settings, store, features, model, registry, GitHub client, secrets, CLI."""

__version__ = "0.1.0"
