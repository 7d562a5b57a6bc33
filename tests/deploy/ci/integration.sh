#!/usr/bin/env bash
# Runs IMAGE as an ephemeral container for STAGE (service, loadtest, fetch, spark, train) on tiny data,
# against the real services a CI runner has: MongoDB (service container on 27017), an MLflow server and
# moto's S3 server (started here from the runner's venv). Containers share the runner's network.
set -euo pipefail
: "${IMAGE:?image to test}" "${STAGE:?stage}"
export MONGO_URI=mongodb://127.0.0.1:27017/prguard-ci
export MLFLOW_TRACKING_URI=http://127.0.0.1:5500
export S3_ENDPOINT_URL=http://127.0.0.1:5600
export PRGUARD_FEATURES_URI=s3://prguard-ci/features
export AWS_ACCESS_KEY_ID=ci AWS_SECRET_ACCESS_KEY=ci AWS_DEFAULT_REGION=us-east-1
export GITHUB_WEBHOOK_SECRET=ci-webhook-secret
work="$(mktemp -d)"
pids=()
cleanup() {
  docker rm -f prguard-ci >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

run() {  # the image under test, on the host network, with the CI endpoints and a read-only root
  docker run --rm --network host --read-only --tmpfs /tmp --tmpfs /var/lib/prguard:uid=10001,gid=10001 \
    -e MONGO_URI -e MLFLOW_TRACKING_URI -e S3_ENDPOINT_URL -e PRGUARD_FEATURES_URI \
    -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_DEFAULT_REGION -e GITHUB_WEBHOOK_SECRET "$@"
}

wait_for() {  # URL: up to 60 s
  for _ in $(seq 60); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$1 did not answer within 60 s" >&2; return 1
}

start_backends() {
  moto_server -H 127.0.0.1 -p 5600 >"$work/moto.log" 2>&1 & pids+=($!)
  mlflow server --host 127.0.0.1 --port 5500 --backend-store-uri "sqlite:///$work/mlflow.db" \
    --artifacts-destination "$work/mlartifacts" >"$work/mlflow.log" 2>&1 & pids+=($!)
  wait_for http://127.0.0.1:5600/ && wait_for http://127.0.0.1:5500/health
  python -c "import boto3; boto3.client('s3', endpoint_url='$S3_ENDPOINT_URL').create_bucket(Bucket='prguard-ci')"
}

seed_store() {  # a few hundred synthetic PRs in MongoDB, written by the image's own CLI
  prguard demo-data --repos 2 --prs 300 --out "$work/prs.jsonl"
  docker run --rm --network host -i -e MONGO_URI --entrypoint prguard "$IMAGE" import - <"$work/prs.jsonl"
}

serve_and_replay() {  # URL of a running service [URL of its probes]: signed webhook replay
  wait_for "${2:-$1}/readyz"
  python -m tests.deploy.ci.write_payloads "$work/payloads"
  prguard replay "$work/payloads" --url "$1/webhooks/github" --secret "$GITHUB_WEBHOOK_SECRET"
}

case "$STAGE" in
  service)
    # As in the cluster: the webhook on 8080, metrics and probes on 9090 only (the image's HEALTHCHECK).
    run -d --name prguard-ci "$IMAGE" serve --bind 127.0.0.1:8080 --metrics-bind 127.0.0.1:9090 --no-worker
    serve_and_replay http://127.0.0.1:8080 http://127.0.0.1:9090
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/metrics)" = 404 ]
    curl -fsS -o "$work/metrics.txt" http://127.0.0.1:9090/metrics
    grep -q '^prguard_webhook_deliveries_total' "$work/metrics.txt"
    locust --locustfile perf/locustfile.py --headless --users 5 --spawn-rate 5 --run-time 20s \
      --host http://127.0.0.1:8080 --only-summary
    [ "$(docker inspect --format '{{.State.Health.Status}}' prguard-ci)" != unhealthy ]
    ;;
  loadtest)
    prguard serve --bind 127.0.0.1:8080 --no-worker >"$work/serve.log" 2>&1 & pids+=($!)
    serve_and_replay http://127.0.0.1:8080
    run "$IMAGE" --headless --users 5 --spawn-rate 5 --run-time 20s --host http://127.0.0.1:8080 --only-summary
    ;;
  fetch)
    # The fetch path itself runs against the fake GitHub API in pytest; here the image proves it
    # starts, reaches the real MongoDB and writes PR documents there.
    seed_store
    python -c "import pymongo, sys; n = pymongo.MongoClient('$MONGO_URI').get_default_database().list_collection_names(); sys.exit(0 if n else 'no collections written')"
    ;;
  spark)
    start_backends
    seed_store
    run "$IMAGE" preprocess --master 'local[2]' --driver-memory 1g
    python -c "import boto3, sys; r = boto3.client('s3', endpoint_url='$S3_ENDPOINT_URL').list_objects_v2(Bucket='prguard-ci'); sys.exit(0 if r.get('KeyCount') else 'no feature set written')"
    # The same image runs the executor pods of a k8s:// driver; started without a driver's variables it
    # must refuse with its usage status (64), which also shows the entrypoint script is in place.
    status=0
    run "$IMAGE" executor >"$work/executor.log" 2>&1 || status=$?
    [ "$status" = 64 ] || { cat "$work/executor.log" >&2; echo "executor entrypoint exited $status, not 64" >&2; exit 1; }
    ;;
  train)
    start_backends
    seed_store
    prguard preprocess --master 'local[2]'
    run "$IMAGE" train --epochs 3 --seed 1
    run "$IMAGE" evaluate
    ;;
  *)
    echo "unknown STAGE '$STAGE' (service, loadtest, fetch, spark, train)" >&2; exit 2 ;;
esac
echo "integration test of $IMAGE ($STAGE) passed"
