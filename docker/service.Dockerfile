# syntax=docker/dockerfile:1
# The webhook service and the job worker (one image, two commands): `prguard serve` / `prguard worker`.
# Build from the repository root: docker build -f docker/service.Dockerfile -t prguard/service .

# --- builder: a virtual environment with the project and its service extra ---------------------------
FROM python:3.11.13-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch first, from the CPU index: resolved from PyPI it would pull a multi-GB CUDA build.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY prguard ./prguard
COPY app ./app
COPY batch ./batch
# The project itself; every dependency version is pinned in setup.cfg.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[service]"

# --- runtime: the venv on a slim base, no compilers, no source tree ---------------------------------
FROM python:3.11.13-slim-bookworm
# A fixed numeric uid lets Kubernetes check runAsNonRoot without reading /etc/passwd.
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin prguard
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PRGUARD_DATA_DIR=/var/lib/prguard \
    PRGUARD_LOG_FORMAT=json
# The data dir holds prometheus multiprocess files; Kubernetes mounts an emptyDir over it.
RUN mkdir -p /var/lib/prguard && chown 10001:10001 /var/lib/prguard
WORKDIR /var/lib/prguard
USER 10001:10001
# 8080: the webhook (the only port to publish); 9090: /metrics, /healthz, /readyz (never published).
EXPOSE 8080 9090
# No curl in the slim image: the interpreter does the probe.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=2)"]
ENTRYPOINT ["prguard"]
CMD ["serve", "--bind", "0.0.0.0:8080", "--metrics-bind", "0.0.0.0:9090", "--no-worker"]
