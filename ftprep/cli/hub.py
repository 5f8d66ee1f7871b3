"""`ftprep push`: a thin layer over `ftprep.push`.

Exit codes: 0 pushed (or nothing changed), 1 the data has errors (nothing
uploaded; the report is printed), 2 usage, auth, namespace or network failure
(one line on stderr with the next step).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing as t

import click

from ftprep.cli.options import declared_options, settings, usage_error


@click.command()
@click.argument("path", type=str)
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The Hub dataset repo to push to (the job's dsRepo).")
@declared_options("push")
@click.option("--public", is_flag=True, help="Create the repo public (default: private). An existing repo keeps its visibility.")
@click.option("--revision", metavar="BRANCH", help="Push to this branch (created from main if needed).")
@click.option("--message", metavar="TEXT", help="Commit message.")
@click.pass_context
def push(ctx: click.Context, path: str, repo: str, public: bool, revision: str | None, message: str | None,
         **params: t.Any) -> None:
    """Check PATH, convert it to the canonical columns and upload it to a Hub dataset repo.

    Nothing is uploaded when the data has errors. The token comes from HF_TOKEN or
    `hf auth login`; HF_ENDPOINT is honoured. Pushing the same data again makes no
    new commit.

    Examples:

    \b
      ftprep push chats.jsonl --task chat --repo alice/support-chats
      ftprep push raw.csv --task text --repo alice/qa --revision v2 --message "more rows"
      ftprep push train.jsonl --repo alice/open-data --public --format json
    """
    try:
        from huggingface_hub.utils import logging as hf_logging
    except ValueError as e:  # huggingface_hub parses HF_ENDPOINT when it is imported
        raise usage_error(f"HF_ENDPOINT is not a valid URL ({e})") from None

    from ftprep.core.errors import DataErrors, HubError, SourceError
    from ftprep.verbs.push import push as run_push
    from ftprep.output.colour import wanted
    from ftprep.output.reporters import write

    from ftprep.cli.progress import bars, hub_bars
    from ftprep.cli.progress import wanted as bars_wanted

    # The CLI owns the output: the client's "no files modified" notice repeats ours,
    # and progress bars (ours and the client's upload bars) only help on a terminal.
    hf_logging.set_verbosity_error()
    opts, rest = settings(ctx, "push", [path], params)
    fmt = rest["fmt"]
    color = wanted(rest["color"], sys.stdout, fmt)
    show = bars_wanted(fmt, bool(rest.get("quiet")))
    try:
        with hub_bars(show), bars(show) as bar:
            result = run_push(path, repo=repo, private=not public, revision=revision, message=message,
                              options=opts if bar is None else dataclasses.replace(opts, progress=bar))
    except DataErrors as e:
        write(fmt, e.report, sys.stdout, color)
        click.echo("not pushed: the data has errors; nothing was uploaded", err=True)
        ctx.exit(1)
    except HubError as e:  # its message and hint are redacted already
        hint = f"; next: {e.hint}" if e.hint else ""
        click.echo(f"ftprep push: {e.message}{hint}", err=True)
        ctx.exit(2)
    except (SourceError, ValueError, OSError) as e:
        raise usage_error(e) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    if result.report.warnings:
        write("text", result.report, sys.stdout, color)
    where = result.repo_id + (f"@{result.revision}" if result.revision != "main" else "")
    if result.changed:
        made = f" (new {'private' if result.private else 'public'} repo)" if result.created else ""
        click.echo(f"pushed {result.rows:,} rows (task {result.task}) to {where}{made}")
    else:
        click.echo(f"no change: {where} already holds this data")
    click.echo(f"repo:   {result.url}")
    click.echo(f"commit: {result.commit} {result.commit_url}")
    fields = " ".join(f"{k}={v}" for k, v in result.job_fields.items())
    click.echo(f"job:    taskType={result.task} dsRepo={result.repo_id}" + (f" {fields}" if fields else ""))
