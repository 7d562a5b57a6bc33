# syntax=docker/dockerfile:1
# The fetch job: `prguard fetch` (GitHub -> store). Build from the repository root.

# --- builder ------------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The core depends on torch; the CPU index keeps pip from choosing a CUDA build.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY prguard ./prguard
COPY app ./app
COPY batch ./batch
RUN pip install --no-cache-dir .

# --- runtime ------------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin prguard
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PRGUARD_DATA_DIR=/var/lib/prguard \
    PRGUARD_LOG_FORMAT=json
RUN mkdir -p /var/lib/prguard && chown 10001:10001 /var/lib/prguard
WORKDIR /var/lib/prguard
USER 10001:10001
ENTRYPOINT ["prguard"]
CMD ["fetch"]
