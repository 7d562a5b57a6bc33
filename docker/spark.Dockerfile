# syntax=docker/dockerfile:1
# The Spark preprocessing job: `prguard preprocess` (Spark local mode inside the pod by default; with
# --master k8s:// the same image also runs the executor pods, see spark-entrypoint.sh). Java 17 runtime.
# Build from the repository root.

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
# pyspark's wheel carries the Spark jars, so no separate Spark distribution is needed.
# The project itself; every dependency version is pinned in setup.cfg.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[spark]"

# --- runtime: Python + a headless Java 17 runtime for the Spark driver/executors -------------------------
FROM python:3.11.13-slim-bookworm
# Pinned to the bookworm security release; bump it when Debian publishes the next one.
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless=17.0.21.1+2-1~deb12u1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin prguard
COPY --from=builder /opt/venv /opt/venv
# Executors must run the venv's python (same packages as the driver); Spark scratch goes to /tmp.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
    PYSPARK_PYTHON=/opt/venv/bin/python \
    PYSPARK_DRIVER_PYTHON=/opt/venv/bin/python \
    SPARK_LOCAL_DIRS=/tmp/spark \
    SPARK_HOME=/opt/venv/lib/python3.11/site-packages/pyspark \
    HOME=/tmp \
    PRGUARD_DATA_DIR=/var/lib/prguard \
    PRGUARD_LOG_FORMAT=json
RUN mkdir -p /var/lib/prguard && chown 10001:10001 /var/lib/prguard
COPY --chmod=0755 docker/spark-entrypoint.sh /usr/local/bin/spark-entrypoint.sh
WORKDIR /var/lib/prguard
USER 10001:10001
# `prguard ARGS` for the CronJob; `executor` for the pods a Kubernetes-mode driver starts.
ENTRYPOINT ["/usr/local/bin/spark-entrypoint.sh"]
CMD ["preprocess"]
