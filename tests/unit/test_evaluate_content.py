"""`prguard evaluate`'s content breakdown: recall per archetype for findings, the model and both."""
from __future__ import annotations

from batch.evaluate_content import breakdown
from prguard.findings import Severity
from tests.support import workflows as W
from tests.support.pr_content import added, changed, hunk
from tests.support.pull_requests import pull_request


def labelled(doc: dict, archetype: str | None = None, lookalike: str | None = None) -> dict:
    doc["prguard_label"] = {"anomaly": archetype is not None, "archetype": archetype, "lookalike": lookalike}
    return doc


def test_each_detector_is_counted_per_archetype_with_alert_rate_and_lookalikes():
    exfiltration = labelled(pull_request(added(".github/workflows/m.yml", W.EXFILTRATION)), "exfiltration")
    big_deletion = labelled(pull_request(changed("src/a.py", hunk(1, removed=["x = 1"]))), "mass_deletion")
    installer = labelled(pull_request(changed("README.md", hunk(3, added=["curl -LsSf https://astral.sh/uv/install.sh | sh"]))),
                         lookalike="docs_installer")
    normal = [labelled(pull_request(changed(f"src/m{i}.py", hunk(1, added=[f"y = {i}"])))) for i in range(7)]
    docs = [exfiltration, big_deletion, installer, *normal]
    scores = [{"anomalous": False}, {"anomalous": True}, {"anomalous": False}] + [{"anomalous": i == 0} for i in range(7)]
    result = breakdown(docs, scores, Severity.HIGH, runner=None)
    assert result.recall == {"exfiltration": {"findings": 1.0, "model": 0.0, "both": 1.0},
                             "mass_deletion": {"findings": 0.0, "model": 1.0, "both": 1.0}}
    assert result.alert_rate == {"findings": 0.0, "model": 1 / 8, "both": 1 / 8}
    assert result.lookalikes_flagged == {"findings": 0.0, "model": 0.0, "both": 0.0}
    assert result.lookalike_counts == {"docs_installer": 1}
    table = result.table()
    assert "exfiltration" in table and "100.0%" in table and "lookalike docs_installer" in table
