#!/usr/bin/env bash
# Pins NAME to DIGEST in k8s/kustomization.yaml and pushes that one commit to BRANCH (CI only).
set -euo pipefail
: "${NAME:?image name}" "${DIGEST:?sha256 digest}" "${BRANCH:?branch}"
case "$DIGEST" in sha256:*) ;; *) echo "DIGEST must be sha256:..., got '$DIGEST'" >&2; exit 1 ;; esac
(cd k8s && kustomize edit set image "$NAME=$NAME@$DIGEST")
git config user.name "prguard-ci"
git config user.email "prguard-ci@users.noreply.github.com"
git add k8s/kustomization.yaml
if git diff --cached --quiet; then
  echo "k8s/ already pins $NAME@$DIGEST"
  exit 0
fi
git commit -m "deploy: $NAME@$DIGEST"
# Other stages pin their images at the same time: rebase on their commits and retry.
for attempt in 1 2 3 4 5; do
  if git pull --rebase origin "$BRANCH" && git push origin "HEAD:$BRANCH"; then
    exit 0
  fi
  sleep $((attempt * 5))
done
echo "could not push the pin commit to $BRANCH" >&2
exit 1
