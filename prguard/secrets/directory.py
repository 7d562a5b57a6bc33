"""DirectorySecrets: one file per secret in a mounted directory (Vault Agent, a Kubernetes Secret volume)."""
from __future__ import annotations

from pathlib import Path

from prguard.secrets.base import SecretProvider, SecretsUnavailable


class DirectorySecrets(SecretProvider):
    """Reads the file ``<directory>/<NAME>`` on every lookup, so rotated files are picked up."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _file(self, name: str) -> Path:
        # Names come from code, but a name must never walk out of the mounted directory.
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"not a secret name: {name!r}")
        return self.directory / name

    def lookup(self, name: str) -> str | None:
        path = self._file(name)
        try:
            # Editors and `kubectl create secret --from-file` keep a trailing newline that
            # would silently change an HMAC key; a PEM key does not care.
            return path.read_text().rstrip("\r\n") or None
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            return None
        except OSError as exc:
            raise SecretsUnavailable(
                f"cannot read secret {name} from {path} ({exc.strerror}); "
                "check the volume's defaultMode and the pod's runAsUser/fsGroup") from None

    def describe(self) -> str:
        return f"directory {self.directory}"

    def hint(self, name: str) -> str:
        if not self.directory.is_dir():
            return f"{self.directory} does not exist: mount the volume there or fix PRGUARD_SECRETS_DIR"
        return f"create the file {self.directory / name} (one secret per file)"
