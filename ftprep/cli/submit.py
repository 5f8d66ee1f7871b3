"""`ftprep submit` and `ftprep cost`: thin layers over `ftprep.verbs.submit`
and `ftprep.api.pricing`.

`submit` hands its options (and `--api-key`) to the library, which builds the
request and the API client once; this module builds neither. Exit codes: 0
done; 1 data errors, a declined confirmation, or a cost that cannot be
estimated; 2 usage, request, auth, network and API errors. The API key is
never printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import typing as t

import click

from ftprep.cli.api_console import api_key_option, confirm_or_refuse, emit, errors_handled, fail, interactive, say
from ftprep.cli.options import declared_options


@click.command()
@click.option("--hours", required=True, type=float, help="Whole hours, 1-24 (charged upfront).")
@declared_options("cost")
@click.option("--params", "params_b", type=float, help="Model size in billions, when the name does not say.")
@click.pass_context
@errors_handled
def cost(ctx: click.Context, model: str, hours: float, task: str | None, params_b: float | None, fmt: str) -> None:
    """Estimate what a job costs: hours × the rate of the model's size tier.

    Sizes between the published tiers (3-4B, 13-30B) are priced at the higher
    tier. Exits 1 when the size cannot be told from the model name.
    """
    from ftprep.api.pricing import estimate

    est = estimate(model, hours, task=task, params_b=params_b)
    emit(fmt, est.to_json(), f"{model}: {est.describe()}")
    ctx.exit(0 if est.known else 1)


@click.command()
@click.argument("data", required=False)
@click.option("--name", required=True, help="Job name: letters, digits and hyphens.")
@click.option("--repo", metavar="OWNER/NAME", help="Hub dataset repo (dsRepo); DATA is pushed there.")
@click.option("--dataset-url", metavar="URL", help="custom_*: direct URL of the dataset file (datasetUrl).")
@click.option("--hours", required=True, type=float, help="Training hours, a whole number 1-24; charged upfront.")
@click.option("--reward-func", "reward_funcs", multiple=True, metavar="NAME",
              help="grpo: reward function (repeatable).")
@declared_options("submit")
@click.option("--params", "params_b", type=float, help="Model size in billions, for the estimate.")
@click.option("--public", is_flag=True, help="Push DATA to a public repo (default private).")
@click.option("--dry-run", is_flag=True, help="Check, build and price the request; send nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@api_key_option
@click.pass_context
@errors_handled
def submit(ctx: click.Context, data: str | None, fmt: str, color: str, api_key: str | None, yes: bool,
           dry_run: bool, public: bool, **params: t.Any) -> None:
    """Create a fine-tuning job. With DATA: check, convert and push it to --repo first.

    The request is validated against schemas/job.schema.json and priced before
    anything is sent; on a terminal you are asked to confirm the cost.

    Examples:

    \b
      ftprep submit chats.jsonl --task chat --repo alice/chats --name support-bot \\
          --model Qwen/Qwen2.5-7B-Instruct --hours 2 --dry-run
      ftprep submit --repo alice/chats --task chat --name support-bot \\
          --model Qwen/Qwen2.5-7B-Instruct --hours 2 --yes
    """
    from ftprep.cli.options import settings
    from ftprep.output.colour import wanted
    from ftprep.verbs.submit import submit as run_submit

    opts, request = settings(ctx, "submit", [data] if data else [], params)  # request: the job's own fields
    if not dry_run and not yes and not interactive():
        fail("refusing to create a paid job without confirmation: not a terminal", "pass --yes, or --dry-run")
    out = sys.stdout if fmt == "text" else sys.stderr
    painted = wanted(color, out)

    def confirm(plan: t.Any) -> bool:
        show_plan(plan, out, painted)
        cost = plan.estimate.estimated_cost_usd
        price = f"${cost:,.2f}" if cost is not None else "an unknown amount (see above)"
        return confirm_or_refuse(yes, f"Create job {plan.request['name']!r} and pay {price} upfront?")

    from ftprep.cli.progress import bars, hub_bars
    from ftprep.cli.progress import wanted as bars_wanted

    show = bars_wanted(fmt)
    with contextlib.ExitStack() as stack:  # the check's bar, and the Hub's upload bars when DATA is pushed
        if data:
            stack.enter_context(hub_bars(show))
        bar = stack.enter_context(bars(show))
        sub = run_submit(data, private=not public, dry_run=dry_run, api_key=api_key, confirm=confirm,
                         options=opts if bar is None else dataclasses.replace(opts, progress=bar), **request)
    if fmt == "json":
        emit(fmt, sub.to_json(), "")
    elif sub.state in ("dry-run", "stopped"):
        show_plan(sub, out, painted)
    if sub.state == "stopped":
        errors = sub.report.errors if sub.report else 0  # a stopped submission always has its report
        say(f"not submitted: the data has {errors:,} error(s); nothing was pushed or created", err=True)
        ctx.exit(1)
    if sub.state == "declined":
        say("not submitted: nothing was created", err=True)
        ctx.exit(1)
    if fmt == "text" and sub.job is not None:
        if sub.push is not None:
            say(f"pushed {getattr(sub.push, 'repo_id', '')} at {getattr(sub.push, 'commit', '')}")
        if sub.job.recovered_from:
            say(f"the create call failed ({sub.job.recovered_from}), but the job was stored; "
                "it was not sent again:")
        say(f"created job {sub.job.id} ({sub.job.status or 'no status'}); "
            f"follow it with: ftprep jobs watch {sub.job.id}")


def show_plan(plan: t.Any, out: t.TextIO, color: bool = False) -> None:
    if plan.report is not None:
        from ftprep.output.reporters import write

        write("text", plan.report, out, color)
    if plan.state == "stopped":
        return
    head = "Request (dry run, not sent)" if plan.state == "dry-run" else "Request"
    say(f"{head}: POST /fine-tuning", file=out)
    say(json.dumps(plan.shown_request(), indent=2, ensure_ascii=False), file=out)
    say(f"Estimated cost: {plan.estimate.describe()}", file=out)
    for w in plan.warnings:
        say(f"warning: {w}", file=out)
