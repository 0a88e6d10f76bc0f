"""The priority of a need: a transparent score added up from configurable weights.

    score = urgency + damage + vulnerability (the household's flags, summed, capped)
            + waiting (per whole day since verification while the need is open, capped)

The points are ``settings.NEED_PRIORITY_WEIGHTS``. Every part is shown in words on the need page
("very urgent (+40), house or building destroyed (+25), vulnerable household (+15), waiting 9 days (+9)").

Why the score is stored: search sorts by the indexed ``Need.priority`` column, as cheaply as it
sorted by urgency, and ``Need.priority_parts`` keeps the parts that number was added up from, so
the page explains exactly the number that ordered the search. The services store both on every
change of a need; the waiting part grows by itself, so ``manage.py refresh_priorities`` (daily,
after midnight) recomputes them. Adding the days in SQL at query time would keep the score exact to
the hour, but every search would then sort on an expression no index serves, and the formula would
live twice (here and in SQL).

Pure: no database. The vulnerability flags are private (``Beneficiary``); only their capped sum,
as "vulnerable household", ever reaches ``priority_parts`` and the public, and every flag weighs
the same (``weights_problems`` refuses anything else), so the sum tells how many flags apply,
never which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cuutro.needs.choices import OPEN_STATUSES, VULNERABILITY_FLAGS, DamageLevel, Urgency

# Any one weight above this is a typo (the score must fit its column and stay readable).
MAX_WEIGHT = 1000

URGENCY_WORDS: dict[str, Any] = {
    Urgency.LOW: _("not urgent"),
    Urgency.MEDIUM: _("fairly urgent"),
    Urgency.HIGH: _("urgent"),
    Urgency.CRITICAL: _("very urgent"),
}
DAMAGE_WORDS: dict[str, Any] = {
    DamageLevel.NONE: _("house or building not damaged"),
    DamageLevel.MINOR: _("house or building slightly damaged"),
    DamageLevel.MAJOR: _("house or building badly damaged"),
    DamageLevel.DESTROYED: _("house or building destroyed"),
}
VULNERABLE_WORDS = _("vulnerable household")


@dataclass(frozen=True)
class PriorityWeights:
    urgency: Mapping[str, int]
    damage: Mapping[str, int]
    vulnerability: Mapping[str, int]  # per flag of VULNERABILITY_FLAGS
    vulnerability_max: int
    waiting_per_day: int
    waiting_max: int


def _points_problem(name: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
        return f"{name} must be a whole number of points from 0 to {MAX_WEIGHT}, not {value!r}"
    return None


def weights_problems(raw: Any) -> list[str]:
    """What is wrong with a NEED_PRIORITY_WEIGHTS value; empty when it is usable."""
    if not isinstance(raw, Mapping):
        return ["it must be a dictionary"]
    problems: list[str] = []
    tables = {"urgency": Urgency.values, "damage": DamageLevel.values, "vulnerability": list(VULNERABILITY_FLAGS)}
    numbers = ["vulnerability_max", "waiting_per_day", "waiting_max"]
    unknown = sorted(set(raw) - set(tables) - set(numbers))
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}")
    for name, keys in tables.items():
        table = raw.get(name)
        if not isinstance(table, Mapping):
            problems.append(f"{name} must be a dictionary of points by {', '.join(keys)}")
            continue
        if set(table) != set(keys):
            problems.append(f"{name} must give points for exactly {', '.join(keys)}")
        problems += [p for key in keys if key in table and (p := _points_problem(f"{name}.{key}", table[key]))]
    problems += [p for name in numbers if (p := _points_problem(name, raw.get(name)))]
    flags = raw.get("vulnerability")
    if isinstance(flags, Mapping) and len({v for v in flags.values() if isinstance(v, int)}) > 1:
        # The public sees the score and its parts: unequal points would tell which private flag
        # (a disability, a pregnancy…) a household has. Equal points tell only how many.
        problems.append("vulnerability must give every flag the same points, or the public score would tell which applies")
    return problems


def priority_weights() -> PriorityWeights:
    raw = settings.NEED_PRIORITY_WEIGHTS
    problems = weights_problems(raw)
    if problems:
        raise ImproperlyConfigured(f"NEED_PRIORITY_WEIGHTS: {'; '.join(problems)}")
    return PriorityWeights(
        urgency=dict(raw["urgency"]),
        damage=dict(raw["damage"]),
        vulnerability=dict(raw["vulnerability"]),
        vulnerability_max=raw["vulnerability_max"],
        waiting_per_day=raw["waiting_per_day"],
        waiting_max=raw["waiting_max"],
    )


def check_weights(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """System check: refuse weights the score cannot be computed from, at start-up."""
    return [
        Error(f"NEED_PRIORITY_WEIGHTS: {problem}.", hint="See cuutro/settings.py for the expected shape.", id="needs.E001")
        for problem in weights_problems(settings.NEED_PRIORITY_WEIGHTS)
    ]


@dataclass(frozen=True)
class PriorityPart:
    key: str  # "urgency", "damage", "vulnerable" or "waiting"
    points: int
    value: str | int = ""  # the urgency or damage level; the whole days waited

    @property
    def label(self) -> str:
        """The part in words, in the active language (stored parts hold no words)."""
        if self.key == "urgency":
            return str(URGENCY_WORDS.get(str(self.value), self.value))
        if self.key == "damage":
            return str(DAMAGE_WORDS.get(str(self.value), self.value))
        if self.key == "vulnerable":
            return str(VULNERABLE_WORDS)
        if self.key == "waiting":
            days = int(self.value)
            return ngettext("waiting %(days)d day", "waiting %(days)d days", days) % {"days": days}
        return self.key

    def __str__(self) -> str:
        return f"{self.label} (+{self.points})"


@dataclass(frozen=True)
class Breakdown:
    total: int
    parts: tuple[PriorityPart, ...]

    def to_stored(self) -> list[dict[str, Any]]:
        """The parts as ``Need.priority_parts`` stores them (keys and numbers, no words)."""
        return [{"key": p.key, "value": p.value, "points": p.points} for p in self.parts]

    @classmethod
    def from_stored(cls, *, total: int, parts: Any) -> Breakdown:
        return cls(
            total=total,
            parts=tuple(PriorityPart(key=p["key"], points=int(p["points"]), value=p.get("value", "")) for p in parts or ()),
        )

    def __str__(self) -> str:
        return f"{self.total}: {', '.join(str(p) for p in self.parts)}"


def priority_breakdown(
    *,
    urgency: str,
    damage_level: str,
    flags: Collection[str],
    status: str,
    verified_on: dt.date | None,
    today: dt.date,
    weights: PriorityWeights | None = None,
) -> Breakdown:
    """The score of a need with these values on ``today``, part by part (parts worth 0 left out).

    Days waiting count from the day of verification (publication) while the need is open for
    pledges: once fully pledged it waits for no donor, so it stops climbing the search.
    """
    w = weights or priority_weights()
    parts = [
        PriorityPart("urgency", w.urgency[urgency], urgency),
        PriorityPart("damage", w.damage[damage_level], damage_level),
        # Capped: a household ticking every box must not outrank everything else by that alone.
        PriorityPart("vulnerable", min(sum(w.vulnerability[flag] for flag in set(flags)), w.vulnerability_max)),
    ]
    if status in OPEN_STATUSES and verified_on is not None:
        days = max((today - verified_on).days, 0)
        parts.append(PriorityPart("waiting", min(days * w.waiting_per_day, w.waiting_max), days))
    kept = tuple(p for p in parts if p.points > 0)
    return Breakdown(total=sum(p.points for p in kept), parts=kept)


def need_priority(need: Any, *, flags: Collection[str], today: dt.date | None = None) -> Breakdown:
    """The breakdown of a ``Need`` (or anything with its urgency, damage_level, status and
    verified_at) whose household has these vulnerability flags."""
    return priority_breakdown(
        urgency=need.urgency,
        damage_level=need.damage_level,
        flags=flags,
        status=need.status,
        verified_on=timezone.localdate(need.verified_at) if need.verified_at else None,
        today=today or timezone.localdate(),
    )


def flags_of(values: Any) -> list[str]:
    """The flags set on a beneficiary (a model or a dict of its values); none for ``None``."""
    if values is None:
        return []
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name, False)
    return [flag for flag in VULNERABILITY_FLAGS if get(flag)]
