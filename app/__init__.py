"""The PRGuard GitHub App service: webhook receiver, event handlers, worker, health and metrics."""
