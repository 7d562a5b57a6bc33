"""Writes GitHub's own pull_request example deliveries as replay files (the format `prguard replay` reads).

Run from the repository root as ``python -m tests.deploy.ci.write_payloads DIR``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.support.npm_packages import examples_for


def main(out: str) -> None:
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for action in ("opened", "synchronize", "reopened"):
        for index, payload in enumerate(examples_for("pull_request", action)):
            wrapper = {"event": "pull_request", "payload": payload}
            (target / f"pull_request-{action}-{index}.json").write_text(json.dumps(wrapper))
            written += 1
    if not written:
        sys.exit("no pull_request examples found in @octokit/webhooks-examples")
    print(f"wrote {written} deliveries to {target}")


if __name__ == "__main__":
    main(sys.argv[1])
