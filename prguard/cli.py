"""The ``prguard`` command: core commands plus those that app/ and batch/ register as plugins."""
from __future__ import annotations

import importlib.metadata

import click

# app/ and batch/ add their commands through this entry-point group, so the core never imports them.
COMMAND_GROUP = "prguard.commands"


class PluginGroup(click.Group):
    """A click group that also lists commands registered under the ``prguard.commands`` entry points."""

    def _plugins(self) -> dict[str, importlib.metadata.EntryPoint]:
        return {ep.name: ep for ep in importlib.metadata.entry_points(group=COMMAND_GROUP)}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        entry_point = self._plugins().get(name)
        if entry_point is None:
            return None
        try:
            return entry_point.load()
        except ImportError as exc:
            # An image without this component's extra (e.g. the Spark image has no Flask): say so
            # instead of breaking every other command.
            return _unavailable(name, entry_point.value, exc)


def _unavailable(name: str, target: str, exc: ImportError) -> click.Command:
    message = (f"'prguard {name}' is not available in this installation ({target}: {exc}). "
               "Install the matching extra, e.g. pip install 'prguard[service]' or 'prguard[spark]'.")

    def fail() -> None:
        raise click.ClickException(message)

    return click.Command(name, callback=fail, help=f"(unavailable: {exc})", context_settings={
        "ignore_unknown_options": True, "allow_extra_args": True})


@click.group(cls=PluginGroup)
@click.version_option(package_name="prguard")
def main() -> None:
    """PRGuard: score every pull request for how unusual it is for its repository."""


def register_core_commands() -> None:
    """Attach the core's own commands (kept in their own modules, one job each)."""
    from prguard import commands

    for command in commands.ALL:
        main.add_command(command)


register_core_commands()
