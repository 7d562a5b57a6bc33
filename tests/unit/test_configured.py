"""``@configured``: every command gets its component's settings and fails on configuration the same way."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from prguard.cli import main
from prguard.config import ConfigError
from prguard.configured import NO_SECRETS, configured


@click.command()
@click.option("--fail-late", is_flag=True)
@configured("worker")
def probe(settings, fail_late: bool) -> None:
    if fail_late:  # a problem found only when the command uses its configuration
        raise ConfigError("MONGO_URI cannot be parsed")
    click.echo(f"data dir {settings.data_dir}")


def test_the_command_gets_its_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PRGUARD_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(probe, [])
    assert result.exit_code == 0 and f"data dir {tmp_path}" in result.output


def test_a_configuration_error_found_later_reads_the_same(monkeypatch):
    result = CliRunner().invoke(probe, ["--fail-late"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: configuration: MONGO_URI cannot be parsed"


def test_secrets_that_cannot_be_had_are_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PRGUARD_SECRETS_DIR", str(tmp_path / "missing"))  # a deployment's mounted secrets
    result = CliRunner().invoke(probe, [])
    assert result.exit_code == 2 and result.output.startswith("Error: configuration: ")
    assert "Traceback" not in result.output


def test_no_secrets_commands_never_read_a_provider(tmp_path, monkeypatch):
    @click.command()
    @configured(NO_SECRETS)
    def plain(settings) -> None:
        click.echo("ran")

    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:9")  # nothing listens: reading it would fail
    assert CliRunner().invoke(plain, []).output == "ran\n"


@pytest.mark.parametrize("command", ["checks", "status", "feedback", "score", "import", "fetch", "preprocess",
                                     "train", "evaluate", "serve", "worker"])
def test_every_command_reports_bad_configuration_alike(command, tmp_path, monkeypatch):
    monkeypatch.setenv("PRGUARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PRGUARD_SECRETS_DIR", str(tmp_path / "no-such-dir"))
    args = {"score": ["-"], "import": ["-"], "evaluate": ["-"]}.get(command, [])
    result = CliRunner().invoke(main, [command, *args], input="")
    assert result.exit_code == 2, result.output
    assert "Error: configuration: " in result.output and "Traceback" not in result.output


def test_the_readme_documents_every_setting():
    """Settings are declared once (field, default, variable); the README's configuration table follows."""
    import dataclasses
    from pathlib import Path

    from prguard.config import Settings

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    variables = [field.metadata["env"] for field in dataclasses.fields(Settings)]  # what Settings.from_env reads
    missing = [name for name in variables if f"`{name}`" not in readme]
    assert missing == []
