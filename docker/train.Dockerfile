# syntax=docker/dockerfile:1
# The training job: `prguard train` and `prguard evaluate`. Build from the repository root.

# --- builder ------------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch from the CPU index: training runs on CPU nodes and a CUDA wheel would add gigabytes.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY prguard ./prguard
COPY app ./app
COPY batch ./batch
# The project itself; every dependency version is pinned in setup.cfg.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[training]"

# --- runtime ------------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin prguard
COPY --from=builder /opt/venv /opt/venv
# matplotlib and torch want a writable cache dir; HOME points at the /tmp emptyDir in the pod.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    PRGUARD_DATA_DIR=/var/lib/prguard \
    PRGUARD_LOG_FORMAT=json
RUN mkdir -p /var/lib/prguard && chown 10001:10001 /var/lib/prguard
WORKDIR /var/lib/prguard
USER 10001:10001
ENTRYPOINT ["prguard"]
CMD ["train"]
