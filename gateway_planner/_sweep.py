"""Sweeps: run a grid of variants of one scenario and compare them in one set of outputs.

A sweep varies scenario keys over lists of values, e.g. one to three new sites with no or 20 %
fewer face-to-face visits::

    sweep("scenarios/sheerness.toml",
          {"objective.new_sites": [1, 2, 3], "demand.channel_shift": [0, -0.2]},
          folder="outputs/sheerness-sweep")

Every combination is a variant, named ``<name>-<key>_<value>-...`` in grid order (the first key
varies slowest) and titled after what differs, e.g. "Sheerness Gateway, Swale (Kent) — 2 new
sites, 20 % fewer face-to-face visits", so that every map and column of the comparison says
which variant it shows. Variants that differ only in ``objective`` keys or ``demand.channel_shift``
share the study area, the networks and the travel times: those are built once. On a Dask
cluster the variants sharing them run at once (each solve on a worker). The comparison (baseline
= the first variant by default) and every variant's outputs are staged and moved into place
together by :func:`gateway_planner.compare`.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd

from . import settings
from ._compare import compare
from ._outputs import check_output_folder
from .checks import protected_files
from .cluster import dask_client
from .config import Scenario, load_scenario, reuses_inputs
from .errors import InputError
from .scenario import RunResult, run_scenario

__all__ = [
    "parse_param",
    "sweep",
    "sweep_folder",
    "sweep_variants",
    "variant_name",
    "variant_title",
]

logger = logging.getLogger(__name__)


_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
_EXAMPLE = "e.g. --param objective.new_sites=1,2,3"


def parse_param(text: str) -> tuple[str, list[Any]]:
    """Read one ``KEY=V1,V2,...`` sweep parameter (the command line's ``--param``).

    Values are read as TOML values (``2`` an integer, ``-0.2`` a number, ``true`` a boolean,
    ``"a b"`` a string); anything else is kept as a string (``osm``).

    Parameters
    ----------
    text
        E.g. ``"objective.new_sites=1,2,3"``.

    Returns
    -------
    tuple of (str, list)
        The dotted key and its values, in the order given.

    Raises
    ------
    InputError
        When there is no ``=``, no key or an empty value.
    """
    key, sep, values = str(text).partition("=")
    key = key.strip()
    if not sep or not key:
        msg = f"sweep parameter {text!r} is not KEY=VALUE1,VALUE2"
        raise InputError(msg, field="param", fix=f"write the key, '=' and the values, {_EXAMPLE}")
    parsed = []
    for token in values.split(","):
        token = token.strip()
        if not token:
            msg = f"sweep parameter {text!r} has an empty value"
            raise InputError(msg, field=key, fix=f"separate values by single commas, {_EXAMPLE}")
        parsed.append(_value(token))
    return key, parsed


def _value(token: str) -> Any:
    try:
        return tomllib.loads(f"v = {token}")["v"]
    except tomllib.TOMLDecodeError:
        return token


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def variant_name(base: str, updates: Mapping[str, Any]) -> str:
    """Name a variant after its base scenario and its values, within the name pattern.

    Parameters
    ----------
    base
        The base scenario's name.
    updates
        Dotted key → value of the variant, in sweep order. A key is shown by its last part
        unless two keys share it.

    Returns
    -------
    str
        E.g. ``"sheerness-new_sites_2-channel_shift_-0.2"``: characters other than letters,
        digits, ``_``, ``.`` and ``-`` become ``_``.
    """
    leaves = [key.rsplit(".", 1)[-1] for key in updates]
    parts = [base]
    for key, leaf in zip(updates, leaves, strict=True):
        shown = leaf if leaves.count(leaf) == 1 else key
        parts.append(f"{shown}={_label(updates[key])}")
    return _NAME_CHARS.sub("_", "-".join(parts))


#: how a varied value reads in a variant's title, per scenario key (others: "<key> <value>")
_MODELS = {
    "pmedian": "least total journey time",
    "max_coverage": "most visits within the limit",
    "set_cover": "fewest sites reaching the visits",
    "pcenter": "shortest longest journey",
}
_NETWORKS = {"proxy": "proxy network", "osm": "OpenStreetMap roads", "file": "road file"}


def _count(n: Any, one: str, many: str, none: str) -> str:
    return none if n == 0 else (f"1 {one}" if n == 1 else f"{_label(n)} {many}")


def _percent(share: Any) -> str:
    return f"{abs(float(share)) * 100:.4g} %"


def _shift(value: Any) -> str:
    if not float(value):
        return "face-to-face visits as today"
    return f"{_percent(value)} {'fewer' if float(value) < 0 else 'more'} face-to-face visits"


def _switch(on: str, off: str) -> Callable[[Any], str]:
    return lambda value: on if value else off


def _modes(value: Any) -> str:
    modes = [str(m) for m in value] if isinstance(value, (list, tuple)) else [str(value)]
    return f"{modes[0]} only" if len(modes) == 1 else " and ".join(modes)


_DESCRIBE: dict[str, Callable[[Any], str]] = {
    "objective.new_sites": lambda v: _count(v, "new site", "new sites", "no new site"),
    "demand.channel_shift": _shift,
    "objective.model": lambda v: _MODELS.get(str(v), str(v)),
    "objective.limit_minutes": lambda v: f"limit {_label(v)} min",
    "objective.keep_existing": _switch("existing sites kept", "existing sites may close"),
    "objective.coverage_share": lambda v: f"{_percent(v)} of visits within the limit",
    "objective.capacities": _switch("capacities used", "capacities ignored"),
    "objective.split_demand": _switch("visits may split", "visits not split"),
    "objective.weighted_center": _switch("demand-weighted", "plain journey times"),
    "objective.decay": lambda v: f"{v} decay",
    "network.source": lambda v: _NETWORKS.get(str(v), str(v)),
    "network.limit_minutes": lambda v: f"journeys up to {_label(v)} min",
    "network.modes": _modes,
}


def variant_title(base: str, updates: Mapping[str, Any]) -> str:
    """Title a variant after its base scenario's title and what differs, in words.

    Parameters
    ----------
    base
        The base scenario's title (its name when it has none).
    updates
        Dotted key → value of the variant, in sweep order. A varied ``title`` replaces
        ``base``; a varied ``name`` or ``description`` is not shown.

    Returns
    -------
    str
        E.g. "Sheerness Gateway, Swale (Kent) — 2 new sites, 20 % fewer face-to-face visits";
        keys without words of their own read "<last part of the key> <value>".
    """
    base = str(updates.get("title", base))
    parts = []
    for key, value in updates.items():
        if key in {"title", "name", "description"}:
            continue
        describe = _DESCRIBE.get(key)
        leaf = key.rsplit(".", 1)[-1].replace("_", " ")
        parts.append(describe(value) if describe else f"{leaf} {_label(value)}")
    return f"{base} — {', '.join(parts)}" if parts else base


def sweep_variants(scenario: Scenario, params: Mapping[str, Sequence[Any]]) -> list[Scenario]:
    """Build the grid of variants of a scenario, each validated and named.

    Parameters
    ----------
    scenario
        The base scenario.
    params
        Dotted scenario key → values to try, e.g. ``{"objective.new_sites": [1, 2]}``.

    Returns
    -------
    list of Scenario
        One per combination, the first key varying slowest, named by :func:`variant_name`
        and titled by :func:`variant_title`; ``output.folder`` is cleared so a variant never
        writes over the base scenario's outputs.

    Raises
    ------
    InputError
        For no parameters, an empty list of values, an unknown key or a bad value (named by
        the variant), or two variants with the same name.
    """
    if not params:
        msg = "a sweep needs at least one parameter"
        raise InputError(msg, field="param", fix=f"name a key and its values, {_EXAMPLE}")
    for key, values in params.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or not values:
            msg = f"sweep parameter {key!r} has no list of values (got {values!r})"
            raise InputError(msg, field=key, fix=f"give one or more values, {_EXAMPLE}")
    keys = list(params)
    variants = []
    for combination in itertools.product(*(params[k] for k in keys)):
        updates = dict(zip(keys, combination, strict=True))
        name = variant_name(scenario.name, updates)
        title = variant_title(scenario.display_title, updates)
        try:
            variant = scenario.with_updates(
                {**updates, "name": name, "title": title, "output.folder": None}
            )
        except InputError as exc:
            msg = f"sweep variant {name!r}: {exc.message}"
            raise InputError(msg, file=scenario.source_path, field=exc.field, fix=exc.fix) from None
        variants.append(variant)
    names = [v.name for v in variants]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        msg = f"sweep variants would share the names {repeated}"
        raise InputError(msg, field="param", fix="give each parameter distinct values")
    return variants


def _groups(params: Mapping[str, Sequence[Any]]) -> list[list[int]]:
    """Positions in the grid of the variants that share area, networks and times."""
    own = [key for key in params if not reuses_inputs(key)]
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, combination in enumerate(itertools.product(*params.values())):
        values = dict(zip(params, combination, strict=True))
        groups.setdefault(tuple(repr(values[k]) for k in own), []).append(i)
    return list(groups.values())


def sweep_folder(scenario: Scenario) -> Path:
    """Return where a sweep of ``scenario`` writes by default: its output folder + ``-sweep``.

    Parameters
    ----------
    scenario
        The base scenario.

    Returns
    -------
    Path
        E.g. ``outputs/sheerness-sweep`` beside ``outputs/sheerness``.
    """
    return scenario.output_folder().with_name(f"{scenario.name}-sweep")


def sweep(
    scenario: Scenario | str | Path,
    params: Mapping[str, Sequence[Any]],
    *,
    folder: str | Path | None = None,
    baseline: int = 0,
    workers: int = 1,
    scheduler: Any = None,
    overwrite: bool = False,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run every variant of a scenario over a grid of values and write one comparison.

    Parameters
    ----------
    scenario
        The base scenario or its file.
    params
        Dotted scenario key → values, e.g. ``{"objective.new_sites": [1, 2, 3],
        "demand.channel_shift": [0, -0.2]}``; two variants or more in all.
    folder
        Output folder: each variant's outputs in ``<folder>/<variant name>/`` and the comparison
        files beside them. ``<the base scenario's output folder>-sweep`` when None.
    baseline
        Position of the variant the others are compared with (grid order).
    workers
        Worker processes of a local Dask cluster for the sweep (``dask`` extra); 1 runs the
        variants one after the other in this process.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:port``) or a connected client.
    overwrite
        Write into a folder holding files gateway-planner did not write (see
        :func:`gateway_planner.compare`); the folder is checked before any variant runs.

    Returns
    -------
    tuple of (pandas.DataFrame, list of RunResult)
        The comparison table by customer group and the runs, in grid order. The outputs are
        the same whether or not a cluster is used.

    Raises
    ------
    InputError
        For bad parameters or variants (see :func:`sweep_variants`), fewer than two variants or
        a baseline outside them.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    variants = sweep_variants(base, params)
    if len(variants) < 2:
        msg = f"the sweep has {len(variants)} variant; a comparison needs two or more"
        raise InputError(msg, field="param", fix="give a parameter two or more values")
    if not 0 <= baseline < len(variants):
        msg = f"baseline {baseline} is not one of the {len(variants)} variants"
        raise InputError(msg, field="baseline", fix=f"use a position from 0 to {len(variants) - 1}")
    target = Path(folder) if folder is not None else sweep_folder(base)
    check_output_folder(
        target,
        protected=protected_files([base]),
        overwrite=overwrite,
        field="--output" if folder is not None else "output.folder",
        clean=True,
    )
    logger.info("sweep of %s: %d variants over %s", base.name, len(variants), ", ".join(params))
    with dask_client(workers=workers, scheduler=scheduler) as client:
        results = _run_variants(variants, _groups(params), client)
    table, results = compare(results, folder=target, baseline=baseline, overwrite=overwrite)
    return table, results


def _run_variants(
    variants: Sequence[Scenario], groups: Sequence[Sequence[int]], client: Any
) -> list[RunResult]:
    """Run the variants group by group: the first of a group builds, the others reuse it."""
    results: list[RunResult | None] = [None] * len(variants)
    tick = settings.progress
    done = 0

    def finished() -> None:
        nonlocal done
        done += 1
        if tick is not None:
            tick("sweep variants", done, len(variants))

    if tick is not None:
        tick("sweep variants", 0, len(variants))
    for group in groups:
        first, *rest = group
        shared = run_scenario(variants[first], write=False, scheduler=client)
        results[first] = shared
        finished()
        if client is None:
            for i in rest:
                results[i] = run_scenario(variants[i], write=False, reuse=shared)
                finished()
            continue
        threads = max(1, sum(client.nthreads().values()))
        with ThreadPoolExecutor(max_workers=min(threads, len(rest))) as pool:
            futures = {
                pool.submit(
                    run_scenario, variants[i], write=False, reuse=shared, scheduler=client
                ): i
                for i in rest
            }
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                finished()
    return [r for r in results if r is not None]
