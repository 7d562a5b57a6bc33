"""The demo: synthetic PRs and repositories, anomaly archetypes, and replaying webhook payloads."""
