"""The options of the command line alone (output format, config file, HTML page,
CI switches, colour): the verbs never see them. They are declared here once, like
the fields of `ftprep.core.options.Options`, and the click options and config keys
are derived from both."""

from __future__ import annotations

from ftprep.core.declaration import Declaration

# Reporters of a check (ftprep.output): text and json, and the CI formats.
_FORMATS = ("text", "json", "github", "sarif", "junit", "gitlab")
_PLAIN = {"choices": _FORMATS[:2], "config": False}
_API = {**_PLAIN, "default": "text", "help": "Output format."}

# Options of the command line alone: the verbs never see them.
CLI_ONLY = (
    Declaration("html", "str | None", None, "Also write a self-contained HTML report.", "--html", "html_path",
                kind="path", commands=("check", "stats"),
                per_command={"stats": {"help": "Also write a self-contained HTML page."}}),
    Declaration("config", "str | None", None, "Read options from this file instead of searching for [tool.ftprep].",
                "--config", "config_path", kind="file", commands=("check", "convert", "push", "submit"),
                per_command={"convert": {"help": "Config file to use."}}),
    Declaration("isolated", "bool", False, "Ignore configuration files.", "--isolated", kind="bool",
                commands=("check", "convert", "push", "submit")),
    Declaration("format", "str | None", None, "Output format (default text; github under GITHUB_ACTIONS).",
                "--format", "fmt", choices=_FORMATS, config=True,
                commands=("check", "convert", "render", "stats", "codes", "push", "submit", "jobs", "cost"),
                per_command={"render": _PLAIN, "stats": _PLAIN, "codes": _PLAIN,
                             "push": _API, "submit": _API, "jobs": _API, "cost": _API}),
    # CI switches and the baseline, as ruff's (ftprep/core/selection.py, ftprep/verbs/baseline.py).
    Declaration("exit_zero", "bool", False, "Exit 0 even when there are errors.", "--exit-zero", kind="bool",
                commands=("check",)),
    Declaration("statistics", "bool", False, "Print how many findings each code has instead of the findings.",
                "--statistics", kind="bool", commands=("check",)),
    Declaration("quiet", "bool", False, "Print only the findings: no summary, no notes.", "--quiet", kind="bool",
                commands=("check",), short="-q"),
    Declaration("output_file", "str | None", None, "Write the report to this file (atomically) instead of "
                "standard output.", "--output-file", kind="path", metavar="PATH", commands=("check",)),
    Declaration("baseline", "str | None", None, "Report only the findings this baseline file does not record.",
                "--baseline", kind="file", metavar="FILE", commands=("check",)),
    Declaration("write_baseline", "str | None", None, "Record today's findings in this baseline file (JSON) "
                "and exit 0.", "--write-baseline", kind="path", metavar="FILE", commands=("check",)),
    # Settings per file: which config applied and where each value came from.
    Declaration("show_settings", "bool", False, "Print, for each input, the config file that applies and every "
                "setting with its source (flag, config, default); check nothing.", "--show-settings", kind="bool",
                commands=("check",)),
    # Colour of the text output (ftprep/output/colour.py decides auto).
    Declaration("color", "str", "auto", "Colour the text output: auto (a terminal, unless NO_COLOR is set), always "
                "or never.", "--color", choices=("auto", "always", "never"), flag_value="always",
                commands=("check", "convert", "render", "stats", "push", "submit")),
)
