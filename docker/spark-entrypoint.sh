#!/bin/bash
# Entrypoint of the spark image. `prguard ...` (the CronJob's args: preprocess) runs as usual; a pod that
# Spark's driver starts as an executor on Kubernetes (args: executor, settings in SPARK_* variables, the
# contract of Spark's own image entrypoint) runs Spark's executor backend from the pyspark wheel's jars.
set -euo pipefail

if [ "${1:-}" != "executor" ]; then
  exec prguard "$@"
fi
shift

for name in SPARK_DRIVER_URL SPARK_EXECUTOR_ID SPARK_EXECUTOR_CORES SPARK_EXECUTOR_MEMORY \
            SPARK_APPLICATION_ID SPARK_EXECUTOR_POD_IP; do
  if [ -z "${!name:-}" ]; then
    echo "spark-entrypoint: $name is not set; executor pods are started by a Spark driver" \
         "(prguard preprocess --master k8s://...), not by hand" >&2
    exit 64
  fi
done

# The driver passes JVM options as SPARK_JAVA_OPT_0, SPARK_JAVA_OPT_1, ... in that order.
java_opts=()
while IFS= read -r name; do
  java_opts+=("${!name}")
done < <(compgen -e | grep '^SPARK_JAVA_OPT_[0-9]*$' | sort -t_ -k4 -n)

# The root filesystem is read-only: work (downloaded files, Python workers' scratch) in the first local dir.
workdir="${SPARK_LOCAL_DIRS:-/tmp/spark}"
workdir="${workdir%%,*}"
mkdir -p "$workdir"
cd "$workdir"

classpath="${SPARK_HOME}/jars/*"
if [ -n "${SPARK_CONF_DIR:-}" ]; then
  classpath="${SPARK_CONF_DIR}:${classpath}"
fi

cmd=("${JAVA_HOME}/bin/java" "${java_opts[@]}" "-Xms${SPARK_EXECUTOR_MEMORY}" "-Xmx${SPARK_EXECUTOR_MEMORY}"
     -cp "${classpath}" org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend
     --driver-url "${SPARK_DRIVER_URL}" --executor-id "${SPARK_EXECUTOR_ID}"
     --cores "${SPARK_EXECUTOR_CORES}" --app-id "${SPARK_APPLICATION_ID}"
     --hostname "${SPARK_EXECUTOR_POD_IP}" --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}")
if [ -n "${SPARK_EXECUTOR_POD_NAME:-}" ]; then
  cmd+=(--podName "${SPARK_EXECUTOR_POD_NAME}")
fi
exec "${cmd[@]}"
