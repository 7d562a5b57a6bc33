"""`prguard score` in a deployment: its own secrets are enough (no App key, no webhook secret)."""
from __future__ import annotations

from click.testing import CliRunner

from prguard.cli import main


def test_score_runs_with_its_own_secrets_alone(tmp_path, data_dir):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    for name, value in {"MONGO_URI": "mongodb://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "x",
                        "AWS_SECRET_ACCESS_KEY": "x"}.items():
        (secrets_dir / name).write_text(value)
    env = {"PRGUARD_DATA_DIR": str(data_dir), "PRGUARD_SECRETS_DIR": str(secrets_dir), "VAULT_ADDR": None,
           "MONGO_URI": None, "MLFLOW_TRACKING_URI": None}
    result = CliRunner().invoke(main, ["score", "-"], input="", env=env)
    # Past its configuration, it stops at the next thing it needs: a champion model.
    assert result.exit_code == 1 and "champion" in result.stderr, result.output
    assert "configuration" not in result.output
