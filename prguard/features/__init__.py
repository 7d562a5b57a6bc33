"""Features: a PR summarised, its paths classified, its repository's profile, vector, reasons, key values."""
