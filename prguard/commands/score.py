"""`prguard score`: score PR JSON lines with the champion model and write one result line per PR."""
from __future__ import annotations

import json

import click

from prguard.configured import configured
from prguard.data.jsonlines import BadLine, read_objects

# Scoring in chunks keeps memory flat on large files and lets the network run one batch per chunk.
CHUNK = 512


def _chunks(docs):
    chunk = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", show_default=True,
              help="Where to write the JSON lines ('-' for standard output).")
@configured("score")
def score(settings, file, output) -> None:
    """Score GitHub-shaped PR JSON lines in FILE ('-' for stdin) with the champion model and check their
    content.

    Each output line is {repo, number, head_sha, score, threshold, anomalous, model_version, reasons,
    findings, finding_notes, unusual}, exactly what the service records for the same PR: each
    repository's newest stored profile is used; findings come from the files' `patch` text and, for
    workflow and action files, from `workflow_contents` ({"base": {path: text}, "head": {path: text}})
    when a line carries it. `anomalous` is the model's verdict, `unusual` the combined one (the score, or
    a finding at PRGUARD_FINDING_SEVERITY).
    """
    from prguard import findings
    from prguard.findings.assessment import assess
    from prguard.model import registry  # MLflow is heavy: load it only when scoring
    from prguard.model.bundle import BundleError
    from prguard.profiles import ProfileCache
    from prguard.store import open_store

    try:
        bundle = registry.load_champion(settings)
    except (registry.NoChampion, BundleError) as exc:  # BundleError: a changed or unreadable bundle
        raise click.ClickException(str(exc)) from None
    try:
        bundle.check_compatible()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    severity = findings.Severity.parse(settings.finding_severity)
    scored = unusual = 0
    store = open_store(settings)
    newest_profile = ProfileCache(store)
    try:
        for chunk in _chunks(read_objects(file, "stdin" if file.name == "<stdin>" else file.name)):
            for doc, result in zip(chunk, bundle.score(chunk, newest_profile)):
                result.update(assess(result, findings.check(doc), severity))
                output.write(json.dumps(result, sort_keys=True) + "\n")
                scored += 1
                unusual += result["unusual"]
    except BadLine as exc:
        raise click.ClickException(f"{exc} (the {scored} lines before it were scored)") from None
    finally:
        output.flush()
        store.close()
    click.echo(f"scored {scored} pull requests with {settings.model_name} version {bundle.model_version}; "
               f"{unusual} unusual", err=True)
