# syntax=docker/dockerfile:1
# Locust webhook replay (perf/locustfile.py): the pre-promotion analysis Job and CI's short load run.
# Build from the repository root.

# --- builder ------------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The locustfile signs payloads with prguard's own code, which depends on torch: CPU build only.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY prguard ./prguard
COPY app ./app
COPY batch ./batch
# The project itself; every dependency version is pinned in setup.cfg.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[load]"

# --- runtime ------------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin prguard
COPY --from=builder /opt/venv /opt/venv
COPY perf /opt/perf
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp
WORKDIR /opt/perf
USER 10001:10001
ENTRYPOINT ["locust", "--locustfile", "/opt/perf/locustfile.py"]
CMD ["--headless", "--users", "10", "--spawn-rate", "5", "--run-time", "60s"]
