"""``prguard demo``: the main job on embedded defaults, from demo data to check runs, stage by stage."""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import requests

from prguard.config import Settings
from prguard.configured import NO_SECRETS, configured
from prguard.demo.replay import Delivery, post_delivery
from prguard.store import open_store

READY_TIMEOUT_SECONDS = 180  # gunicorn + the first MLflow lookup on a cold 2-core machine
CHECKS_TIMEOUT_SECONDS = 300


def _run(stage: str, args: list[str], env: dict[str, str]) -> None:
    """Run one stage as its own ``prguard`` process, exactly as an operator (or a CronJob) would."""
    click.secho(f"\n== {stage}: prguard {' '.join(args)}", bold=True)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "prguard", *args], env=env)
    if result.returncode != 0:
        raise click.ClickException(
            f"stage '{stage}' failed (exit code {result.returncode}); see its output above")
    click.echo(f"   {stage} took {time.monotonic() - started:.1f} s")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


def print_most_unusual(scores: list[dict], prs: list[dict], top: int = 10) -> list[dict]:
    """The table of the most unusual PRs with their reasons; returns those rows."""
    labels = {(pr["base"]["repo"]["full_name"], pr["number"]): (pr.get("prguard_label") or {}) for pr in prs}
    ranked = sorted(scores, key=lambda r: r["score"] / max(r["threshold"], 1e-12), reverse=True)[:top]
    click.secho(f"\nThe {len(ranked)} most unusual pull requests", bold=True)
    for rank, row in enumerate(ranked, 1):
        label = labels.get((row["repo"], row["number"]), {})
        planted = f"  [planted: {label['archetype']}]" if label.get("archetype") else ""
        verdict = "UNUSUAL" if row.get("unusual", row["anomalous"]) else "ok"
        click.echo(f"{rank:>2}. {row['repo']}#{row['number']}  score {row['score']:.3f} "
                   f"(threshold {row['threshold']:.3f}) {verdict}{planted}")
        for finding in (row.get("findings") or [])[:2]:
            click.echo(f"      ! {finding['severity']} {finding['rule_id']}: {finding['title']}")
        for reason in row["reasons"][:3]:
            click.echo(f"      - {reason['sentence']}")
    return ranked


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException(f"prguard serve exited with code {server.returncode}")
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise click.ClickException(f"the service at {url} was not ready within {READY_TIMEOUT_SECONDS} s")


def webhook_for(pr: dict, installation_id: int = 1) -> Delivery:
    """A ``pull_request.opened`` delivery for a demo PR, shaped as GitHub sends it.

    Demo PRs are history (mostly merged or closed); the replay presents each as just (re)opened, which
    is the moment PRGuard scores a PR, so the worker posts a check run for it.
    """
    payload_pr = {k: v for k, v in pr.items() if k not in ("files", "prguard_label")}
    payload_pr.update(state="open", closed_at=None, merged_at=None, merged=False,
                      updated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    payload = {"action": "opened", "number": pr["number"], "pull_request": payload_pr,
               "repository": pr["base"]["repo"], "sender": pr.get("user"),
               "installation": {"id": installation_id}}
    return Delivery("pull_request", payload, source=f"{pr['base']['repo']['full_name']}#{pr['number']}")


def _wait_for_check_runs(settings: Settings, wanted: set[tuple[str, str]]) -> list[dict]:
    deadline = time.monotonic() + CHECKS_TIMEOUT_SECONDS
    store = open_store(settings)
    try:
        while True:
            records = store.checks.list_runs(limit=max(100, 4 * len(wanted)))
            done = [r for r in records
                    if (r["repo"], r["head_sha"]) in wanted and r.get("status") == "completed"]
            if len(done) >= len(wanted) or time.monotonic() > deadline:
                return done
            time.sleep(1)
    finally:
        store.close()


def serve_and_replay(settings: Settings, env: dict[str, str], prs: list[dict], keep_serving: bool) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    click.secho(f"\n== service: prguard serve --bind 127.0.0.1:{port} (with the embedded worker)", bold=True)
    server = subprocess.Popen([sys.executable, "-m", "prguard", "serve", "--bind", f"127.0.0.1:{port}"],
                              env=env)
    try:
        _wait_ready(url, server)
        click.echo(f"   ready at {url}; replaying {len(prs)} pull requests as signed webhooks")
        with requests.Session() as session:
            for pr in prs:
                result = post_delivery(session, f"{url}/webhooks/github", webhook_for(pr),
                                       env["GITHUB_WEBHOOK_SECRET"])
                click.echo(f"   {result.source}: HTTP {result.status} in {result.elapsed_ms:.0f} ms")
        wanted = {(pr["base"]["repo"]["full_name"], pr["head"]["sha"]) for pr in prs}
        done = _wait_for_check_runs(settings, wanted)
        click.secho(f"\n== check runs ({len(done)} of {len(wanted)} completed)", bold=True)
        subprocess.run([sys.executable, "-m", "prguard", "checks", "--limit", str(len(wanted))], env=env)
        if len(done) < len(wanted):
            raise click.ClickException("not every replayed pull request got its check run in time")
        if keep_serving:
            click.echo(f"\nPRGuard is serving at {url} (webhooks: {url}/webhooks/github). Ctrl-C stops it.")
            server.wait()
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()


@click.command()
@click.option("--repos", default=6, show_default=True, type=click.IntRange(1, 100), help="Demo repositories.")
@click.option("--prs", default=6000, show_default=True, type=click.IntRange(100), help="Demo PRs in all.")
@click.option("--seed", default=7, show_default=True, help="Seed for demo data and training.")
@click.option("--webhooks", default=20, show_default=True, type=click.IntRange(1, 500),
              help="How many demo PRs to replay as webhooks (half the most unusual, half ordinary).")
@click.option("--keep-serving", is_flag=True, help="Leave the service running at the end.")
@configured(NO_SECRETS)
def demo(settings, repos: int, prs: int, seed: int, webhooks: int, keep_serving: bool) -> None:
    """Run the whole pipeline on embedded defaults: demo data -> import -> preprocess -> train ->
    score -> evaluate -> service with the demo's PRs replayed as webhooks -> check runs."""
    demo_dir = settings.data_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    prs_file, scores_file = demo_dir / "prs.jsonl", demo_dir / "scores.jsonl"
    env = dict(os.environ, PRGUARD_DATA_DIR=str(settings.data_dir),
               MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false")
    # The embedded service needs a webhook secret; the demo makes one when none is configured.
    env.setdefault("GITHUB_WEBHOOK_SECRET", secrets.token_hex(20))
    _run("demo data", ["demo-data", "--repos", str(repos), "--prs", str(prs), "--seed", str(seed),
                       "--out", str(prs_file)], env)
    _run("import", ["import", str(prs_file)], env)
    _run("preprocess (Spark)", ["preprocess"], env)
    _run("train", ["train", "--seed", str(seed)], env)
    _run("score", ["score", str(prs_file), "--output", str(scores_file)], env)
    demo_prs = _read_jsonl(prs_file)
    ranked = print_most_unusual(_read_jsonl(scores_file), demo_prs)
    _run("evaluate (autoencoder vs IsolationForest)", ["evaluate", str(prs_file)], env)
    by_key = {(pr["base"]["repo"]["full_name"], pr["number"]): pr for pr in demo_prs}
    unusual = [by_key[(row["repo"], row["number"])] for row in ranked[: webhooks // 2 + webhooks % 2]]
    chosen = {(pr["base"]["repo"]["full_name"], pr["number"]) for pr in unusual}
    ordinary = [pr for pr in demo_prs[::97] if (pr["base"]["repo"]["full_name"], pr["number"]) not in chosen]
    serve_and_replay(settings, env, unusual + ordinary[: webhooks // 2], keep_serving)
    click.secho("\nDone. Everything is under " + str(settings.data_dir.resolve()), bold=True)
