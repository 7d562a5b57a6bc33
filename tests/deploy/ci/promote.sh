#!/usr/bin/env bash
# Tags every image digest pinned in KUSTOMIZATION as TAG, registry-side (no pull, no rebuild).
set -euo pipefail
kustomization="${1:?path to kustomization.yaml}"
tag="${2:?tag to set}"
refs="$(python3 - "$kustomization" <<'PY'
import sys
import yaml

doc = yaml.safe_load(open(sys.argv[1]))
for image in doc.get("images", []):
    if not str(image.get("digest", "")).startswith("sha256:"):
        sys.exit(f"{image['name']} is not pinned by digest in {sys.argv[1]}: promote only tested digests")
    print(f"{image.get('newName', image['name'])}@{image['digest']}")
PY
)"
for ref in $refs; do
  name="${ref%@*}"
  docker buildx imagetools create --tag "$name:$tag" "$ref"
  echo "promoted $ref as $name:$tag"
done
