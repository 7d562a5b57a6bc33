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
        return entry_point.load() if entry_point else None


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
