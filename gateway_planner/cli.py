"""Command-line interface: a thin shell over the Python API.

The library only logs; this module configures logging (``-v``/``-q``), shows stage progress (and
progress bars on a terminal, fed by ``gateway_planner.settings.progress``), and turns a
:class:`~gateway_planner.errors.GatewayPlannerError` into one line on stderr and a non-zero exit
code (2 for bad input, 3 for network or solver failures).
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ._version import __version__
from .errors import GatewayPlannerError

__all__ = ["app"]

app = typer.Typer(
    name="gateway-planner",
    help="Site one-stop public service points where face-to-face customers reach them fastest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
_state: dict[str, int] = {"verbosity": 0}


class _Elapsed(logging.Formatter):
    """``[  3.2s] message`` for progress, ``warning: message`` for problems."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {text}"
        return f"[{record.relativeCreated / 1000:6.1f}s] {text}"


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Elapsed())
    root = logging.getLogger("gateway_planner")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    if verbosity < 2:
        # third-party chatter (osmnx, distributed) only when asked for with -vv
        for name in ("osmnx", "distributed", "fiona", "pyogrio", "rasterio"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Show a warning as one ``warning: ...`` line (no Python file, line or source)."""
    logging.getLogger("gateway_planner").warning("%s", " ".join(str(message).split()))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call the API; turn errors into one stderr line and an exit code, never a traceback.

    Our errors exit with their code (2 input, 3 network or solver); a file the system refuses
    (permissions, a full disk) exits with 2; anything else is a bug: one line and exit code 1,
    with the traceback under ``-vv``.
    """
    _configure_logging(_state["verbosity"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            return func(*args, **kwargs)
    except GatewayPlannerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=exc.exit_code) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(
            f"error: {where}{exc.strerror or _one_line(exc)}. Fix: check the path, its "
            "permissions and the free disk space",
            err=True,
        )
        raise typer.Exit(code=2) from None
    except Exception as exc:
        if _state["verbosity"] >= 2:
            raise
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {_one_line(exc)} (a bug: please report "
            "it with the output of the same command with -vv)",
            err=True,
        )
        raise typer.Exit(code=1) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gateway-planner {__version__}")
        raise typer.Exit


@app.callback()
def main(
    verbose: Annotated[
        int,
        typer.Option("--verbose", "-v", count=True, help="More detail (-vv for libraries too)."),
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Site Gateways / Maisons des Services for the people who need face-to-face help."""
    _state["verbosity"] = -1 if quiet else verbose


NetworkOpt = Annotated[
    str | None,
    typer.Option(
        "--network",
        help="Override the scenarios' network source: proxy (offline pilot) or osm (download OpenStreetMap roads).",
    ),
]


def _load(paths: list[Path], network: str | None) -> list[Any]:
    """Load scenario files, applying a --network override (validated like the file's own key)."""
    from .config import load_scenario

    scenarios = [load_scenario(p) for p in paths]
    if network is None:
        return scenarios
    return [s.with_updates({"network.source": network}) for s in scenarios]


OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Write into a folder holding files gateway-planner did not write: only the files "
        "it writes are replaced there, every other file is kept. Without it such a folder is "
        "refused; a folder of an earlier run is replaced either way.",
    ),
]

ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario file, e.g. scenarios/sheerness.toml", show_default=False)
]


def _scheduler_address(value: str | None) -> str | None:
    """Check --scheduler at the boundary, with an example of a correct address."""
    if value is None:
        return None
    from .cluster import check_scheduler
    from .errors import InputError

    try:
        return check_scheduler(value)
    except InputError:
        msg = f"{value!r} is not a scheduler address; give protocol://host:port, e.g. tcp://10.0.0.5:8786"
        raise typer.BadParameter(msg) from None


WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="Start a local Dask cluster of N worker processes for the travel times and the "
        "solve (needs the dask extra); 1 runs in this process.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        callback=_scheduler_address,
        help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (its workers need "
        "gateway-planner installed).",
    ),
]


@contextmanager
def _progress_bars() -> Iterator[None]:
    """Draw tqdm bars for the library's progress reports (on a terminal, not with -q)."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from . import settings

    bars: dict[str, Any] = {}
    lock = threading.Lock()

    def report(task: str, done: int, total: int) -> None:
        with lock:
            bar = bars.get(task)
            if bar is None:
                bar = bars[task] = tqdm(
                    total=total, desc=task, leave=False, disable=None, file=sys.stderr
                )
            bar.total = total
            bar.n = done
            bar.refresh()
            if done >= total:
                bars.pop(task).close()

    previous = settings.progress
    settings.progress = report if _state["verbosity"] >= 0 else None
    try:
        with logging_redirect_tqdm(loggers=[logging.getLogger("gateway_planner")]):
            yield
    finally:
        settings.progress = previous
        for bar in bars.values():
            bar.close()


def _with_progress(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call the API with progress bars (inside :func:`_run`, once logging is configured)."""
    with _progress_bars():
        return func(*args, **kwargs)


@app.command()
def run(
    scenario: ScenarioArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Output folder (default: the scenario's output.folder)."
        ),
    ] = None,
    network: NetworkOpt = None,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run one scenario and write map.html, summary.json, catchments.gpkg and tables."""
    from .scenario import run_scenario

    loaded = _run(_load, [scenario], network)[0]
    result = _run(
        _with_progress,
        run_scenario,
        loaded,
        folder=output,
        overwrite=overwrite,
        workers=workers,
        scheduler=scheduler,
    )
    _print_result(result)


def _sweep_params(values: list[str]) -> dict[str, list[Any]]:
    from ._sweep import parse_param
    from .errors import InputError

    params: dict[str, list[Any]] = {}
    for text in values:
        key, parsed = parse_param(text)
        if key in params:
            msg = f"sweep parameter {key!r} is given twice"
            raise InputError(
                msg,
                field=key,
                fix="give all its values once, e.g. --param objective.new_sites=1,2,3",
            )
        params[key] = parsed
    return params


@app.command()
def sweep(
    scenario: ScenarioArg,
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            "-p",
            help="KEY=V1,V2,... to vary, e.g. objective.new_sites=1,2,3; repeat for a grid, "
            "e.g. -p demand.channel_shift=0,-0.2.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Output folder (default: the scenario's output folder + -sweep)."
        ),
    ] = None,
    baseline: Annotated[
        int,
        typer.Option(
            help="Position (from 0, grid order) of the variant the others are compared with."
        ),
    ] = 0,
    network: NetworkOpt = None,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run a grid of variants of one scenario and write one comparison over them."""
    from ._sweep import sweep as sweep_api
    from ._sweep import sweep_folder

    loaded = _run(_load, [scenario], network)[0]
    params = _run(_sweep_params, param)
    folder = output if output is not None else sweep_folder(loaded)
    _table, results = _run(
        _with_progress,
        sweep_api,
        loaded,
        params,
        folder=folder,
        baseline=baseline,
        workers=workers,
        scheduler=scheduler,
        overwrite=overwrite,
    )
    for r in results:
        _print_result(r)
    typer.echo(f"sweep of {len(results)} variants written to {folder} (open comparison.html)")


@app.command()
def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files.", show_default=False)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")] = Path(
        "outputs/comparison"
    ),
    baseline: Annotated[
        int, typer.Option(help="Position (from 0) of the scenario the others are compared with.")
    ] = 0,
    network: NetworkOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run several scenarios and write comparison.html and comparison.csv beside their outputs."""
    from ._compare import compare as compare_api

    loaded = _run(_load, scenarios, network)
    _table, results = _run(
        compare_api, loaded, folder=output, baseline=baseline, overwrite=overwrite
    )
    for r in results:
        _print_result(r)
    typer.echo(f"comparison written to {output}/comparison.html and comparison.csv")


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")] = Path(
        "outputs/demo"
    ),
    network: NetworkOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run both pilot scenarios (Sheerness, Fauquembergues) and compare them."""
    from ._compare import compare as compare_api
    from .scenario import demo_scenarios

    loaded = _run(_load, _run(demo_scenarios), network)
    _table, results = _run(compare_api, loaded, folder=output, overwrite=overwrite)
    for r in results:
        _print_result(r)
    typer.echo(f"demo written to {output}/ (open comparison.html)")


@app.command()
def validate(
    scenario: ScenarioArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The output folder run would be given (default: the scenario's output.folder).",
        ),
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Check the scenario, every input it names and its output folder, without running it.

    Loads every input without building networks or solving: whatever run would refuse for an
    input reason, validate refuses too, with the same line.
    """
    from .checks import validate_scenario

    checked = _run(validate_scenario, scenario, folder=output, overwrite=overwrite)
    typer.echo(f"{scenario}: valid scenario '{checked.name}'")


@app.command()
def network(scenario: ScenarioArg) -> None:
    """Build (and cache) the scenario's networks; print their sizes and the snapping summary."""
    from .area import load_area
    from .checks import check_files
    from .config import load_scenario
    from .network import describe_network
    from .scenario import build_networks

    def build() -> tuple[Any, Any]:
        checked = load_scenario(scenario)
        check_files(checked)
        return build_networks(checked, load_area(checked))

    networks, times = _run(build)
    for mode, net in networks.items():
        info = describe_network(net)
        typer.echo(
            f"{mode}: " + ", ".join(f"{k} {v}" for k, v in info.items() if not isinstance(v, dict))
        )
    for mode, snap in times.snapping.items():
        typer.echo(
            f"{mode} snapping: "
            + ", ".join(
                f"{k} {v}" for k, v in snap.items() if not isinstance(v, (dict, list, tuple))
            )
        )


def _within(cells: Any, groups: list[str], limit: float) -> float:
    """Share (%) of face-to-face visits within ``limit`` minutes, over every group."""
    visits = sum(cells[f"visits__{g}"].to_numpy(dtype=float).sum() for g in groups)
    near = sum(
        cells[f"visits__{g}"]
        .to_numpy(dtype=float)[cells[f"minutes__{g}"].to_numpy(dtype=float) <= limit]
        .sum()
        for g in groups
    )
    return 100.0 * float(near) / float(visits) if visits > 0 else float("nan")


def _worst(cells: Any) -> float:
    """Return the longest journey (minutes) of a cell with face-to-face visits (reachable)."""
    minutes = cells["minutes"].to_numpy(dtype=float)[cells["visits"].to_numpy(dtype=float) > 0]
    minutes = minutes[minutes < float("inf")]
    return float(minutes.max()) if minutes.size else float("nan")


def _headline(result: Any) -> str:
    """Return the figure the scenario's objective is about, today -> proposed."""
    obj = result.scenario.objective
    groups = [g.id for g in result.area.groups]
    today, new = result.current.cells, result.proposed.cells
    if obj.model in ("max_coverage", "set_cover"):
        limit = float(obj.limit_minutes)
        text = (
            f"face-to-face visits within {limit:g} min {_within(today, groups, limit):.1f}% -> "
            f"{_within(new, groups, limit):.1f}%"
        )
        if obj.model == "set_cover":
            text = f"{len(result.solution.open_sites)} sites needed; {text}"
        return text
    if obj.model == "pcenter":
        return f"worst journey {_worst(today):.1f} -> {_worst(new):.1f} min"
    cur, pro = (
        result.summary["figures"]["current"]["all"],
        result.summary["figures"]["proposed"]["all"],
    )
    return (
        f"face-to-face visits within 15 min {cur['pct_within_15']:.1f}% -> "
        f"{pro['pct_within_15']:.1f}%, mean journey {cur['mean_minutes']:.1f} -> "
        f"{pro['mean_minutes']:.1f} min"
    )


def _print_result(result: Any) -> None:
    s = result.summary
    sites = s["sites"]
    proposed = ", ".join(f"{p['name']} ({p['id']})" for p in sites["proposed"]) or "none"
    open_now = set(sites["open"])
    closed = [f"{p['name']} ({p['id']})" for p in sites["existing"] if p["id"] not in open_now]
    closes = f"; closes {', '.join(closed)}" if closed else ""
    typer.echo(
        f"{result.scenario.name}: proposed {proposed}{closes}; {_headline(result)} "
        f"[{s['network']['kind']} network; gap {100 * s['solver']['gap']:.2g}%]"
        + (f" -> {result.folder}" if result.folder is not None else "")
    )
