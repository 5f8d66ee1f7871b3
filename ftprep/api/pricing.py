"""Cost estimates for fine-tuning jobs, from the one pricing table in `data/pricing.json`.

Jobs are charged upfront for every hour asked for, so an estimate is
`hours × hourly rate of the model's size tier`:

    up to 3B: $18.50/h    4B to 13B: $27.75/h    30B and up: $46.25/h    image: $18.50/h

Sizes the published tiers leave out (above 3B and below 4B, e.g. 3.8B; above
13B and below 30B, e.g. 14B or 27B) are priced at the **higher** tier and the
estimate says so: under-estimating a charge taken upfront is the worse error.

The size comes from `params_b` when given, else from the model name the way the
trainer falls back to it (`get_model_num_params`: a number before `B` in the
repo name), extended to decimals (`1.5B`), millions (`135M`) and mixtures of
experts (`8x7B` = 56B). When the name holds no size the estimate is unknown and
says so, with the range of possible costs; it is never guessed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import typing as t
from pathlib import Path

from ftprep import tasks as task_registry

PRICING_FILE = Path(__file__).parents[1] / "data" / "pricing.json"

_MOE = re.compile(r"(?<![A-Za-z0-9.])(\d+)x(\d+(?:\.\d+)?)([bBmM])(?![A-Za-z0-9])")
# The lookbehind skips active-parameter tags (Qwen3-30B-A3B) and version
# numbers (Llama-3.1-8B: "3.1" is not followed by B).
_SIZE = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)([bBmM])(?![A-Za-z0-9])")


@dataclasses.dataclass(frozen=True)
class Tier:
    name: str
    label: str
    usd_per_hour: float
    min_params_b: float | None = None
    max_params_b: float | None = None


@dataclasses.dataclass(frozen=True)
class Estimate:
    """What a job will cost. `estimated_cost_usd` is None when the size is unknown."""

    model: str
    task: str | None
    hours: int
    params_b: float | None
    params_source: str | None  # "given", "name" or None
    tier: Tier | None
    between_tiers: bool
    estimated_cost_usd: float | None
    min_usd: float
    max_usd: float

    @property
    def usd_per_hour(self) -> float | None:
        return self.tier.usd_per_hour if self.tier else None

    @property
    def known(self) -> bool:
        return self.estimated_cost_usd is not None

    def note(self) -> str:
        if self.tier is None:
            return (f"the model size cannot be read from {self.model!r}: between ${self.min_usd:,.2f} and "
                    f"${self.max_usd:,.2f} for {self.hours} h depending on its size; pass the size (--params)")
        if self.tier == table()[1]:  # the image tier
            return "image LoRA rate"
        size = f"{_fmt_b(self.params_b)} {'given' if self.params_source == 'given' else 'from the model name'}"
        note = f"{self.tier.name} tier ({self.tier.label}); {size}"
        if self.between_tiers:
            note += "; this size is between the published tiers and is priced at the higher one"
        return note

    def describe(self) -> str:
        if self.estimated_cost_usd is None:
            return f"unknown: {self.note()}"
        return (f"${self.estimated_cost_usd:,.2f} = {self.hours} h × ${self.tier.usd_per_hour:,.2f}/h "  # type: ignore[union-attr]
                f"({self.note()}), charged upfront")

    def to_json(self) -> dict[str, t.Any]:
        return {
            "model": self.model, "task": self.task, "hours": self.hours,
            "params_b": self.params_b, "params_source": self.params_source,
            "tier": self.tier.name if self.tier else None,
            "tier_label": self.tier.label if self.tier else None,
            "usd_per_hour": self.usd_per_hour, "between_tiers": self.between_tiers,
            "estimated_cost_usd": self.estimated_cost_usd,
            "min_usd": self.min_usd, "max_usd": self.max_usd, "note": self.note(),
        }


@functools.cache
def table() -> tuple[tuple[Tier, ...], Tier, int, int]:
    """(size tiers in ascending order, image tier, min hours, max hours)."""
    data = json.loads(PRICING_FILE.read_text(encoding="utf-8"))
    tiers = tuple(sorted((Tier(d["name"], d["label"], float(d["usd_per_hour"]), d.get("min_params_b"),
                               d.get("max_params_b")) for d in data["tiers"]),
                         key=lambda x: x.min_params_b or 0))
    img = data["image"]
    image = Tier(img["name"], img["label"], float(img["usd_per_hour"]))
    return tiers, image, int(data["hours"]["min"]), int(data["hours"]["max"])


def params_from_name(model: str) -> float | None:
    """Billions of parameters named in a model id, or None. The largest size
    named wins (a distilled-from name is rare; over-estimating is safer)."""
    name = model.rsplit("/", 1)[-1]
    sizes = []
    for m in _MOE.finditer(name):
        sizes.append(int(m.group(1)) * _billions(m.group(2), m.group(3)))
    name = _MOE.sub(" ", name)
    sizes.extend(_billions(m.group(1), m.group(2)) for m in _SIZE.finditer(name))
    sizes = [s for s in sizes if s > 0]
    return max(sizes) if sizes else None


def tier_for(params_b: float) -> tuple[Tier, bool]:
    """The tier that prices `params_b`, and whether the size falls in a gap between tiers."""
    tiers = table()[0]
    for tier in tiers:
        top = tier.max_params_b
        if top is None or params_b <= top:
            low = tier.min_params_b or 0
            return tier, params_b < low and tier is not tiers[0]
    return tiers[-1], False  # unreachable: the last tier is open-ended


def estimate(model: str, hours: t.Any, *, task: str | None = None, params_b: float | None = None) -> Estimate:
    """The cost of `hours` of fine-tuning `model`. Raises ValueError for hours
    that are not a whole number in the allowed range."""
    tiers, image, lo, hi = table()
    whole = _whole_hours(hours, lo, hi)
    if params_b is not None and not params_b > 0:
        raise ValueError(f"the model size must be a positive number of billions, got {params_b!r}")
    min_usd, max_usd = tiers[0].usd_per_hour * whole, tiers[-1].usd_per_hour * whole
    if task_registry.kind_of(task) == task_registry.IMAGES:
        cost = round(image.usd_per_hour * whole, 2)
        return Estimate(model, task, whole, params_b, "given" if params_b else None, image, False, cost, cost, cost)
    source = "given" if params_b is not None else "name"
    size = params_b if params_b is not None else params_from_name(model)
    if size is None:
        return Estimate(model, task, whole, None, None, None, False, None, round(min_usd, 2), round(max_usd, 2))
    tier, between = tier_for(size)
    cost = round(tier.usd_per_hour * whole, 2)
    return Estimate(model, task, whole, size, source, tier, between, cost, round(min_usd, 2), round(max_usd, 2))


def _whole_hours(hours: t.Any, lo: int, hi: int) -> int:
    if (isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours)
            or hours != int(hours)):
        raise ValueError(f"hours must be a whole number from {lo} to {hi}, got {hours!r}")
    if not lo <= hours <= hi:
        raise ValueError(f"hours must be from {lo} to {hi}, got {hours:g}")
    return int(hours)


def _billions(number: str, unit: str) -> float:
    value = float(number)
    return value / 1000 if unit in "mM" else value


def _fmt_b(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}B" if value >= 1 else f"{value * 1000:g}M"
