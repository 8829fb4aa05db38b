"""The scenario's tables of inputs and question: area, demand, sites, objective, output."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..decay import decay_problems
from ._base import Strict

__all__ = [
    "AreaConfig",
    "CalibrationConfig",
    "DemandConfig",
    "ObjectiveConfig",
    "OutputConfig",
    "SitesConfig",
]


class AreaConfig(Strict):
    """The study area: a pilot area id or a boundary file of the planner's own."""

    pilot: str | None = Field(default=None, description="Pilot area id: 'swale' or 'saint-omer'.")
    boundary: Path | None = Field(
        default=None, description="Vector file of the study area (any CRS)."
    )
    name: str | None = Field(default=None, description="Display name of the area.")
    crs: str | None = Field(
        default=None,
        description="Projected CRS of the run, e.g. 'EPSG:27700'; UTM is chosen when omitted.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> AreaConfig:
        if (self.pilot is None) == (self.boundary is None):
            msg = "give exactly one of area.pilot or area.boundary"
            raise ValueError(msg)
        return self


class DemandConfig(Strict):
    """Population, customer groups and channel behaviour (README: "Demand inputs")."""

    population: Path | None = Field(
        default=None,
        description="Population file: a raster (GeoTIFF, ...), a vector grid, zones with counts "
        "or a CSV grid; the pilot's cells if omitted.",
    )
    population_kind: Literal["auto", "raster", "vector", "zones", "csv"] = Field(
        default="auto",
        description="How to read demand.population; auto: .tif/.tiff/.vrt/.img/.asc -> raster, "
        ".csv -> csv, anything else -> vector.",
    )
    population_column: str = Field(
        default="population", description="Population column (vector, zones, csv)."
    )
    cell_id_column: str | None = Field(
        default=None,
        description="Cell id column of a vector or CSV grid; feature ids / '<x>_<y>' if omitted.",
    )
    zone_id_column: str = Field(
        default="zone_code",
        description="Zone code column of the population zones and of demand.zones.",
    )
    cell_size: float | None = Field(
        default=None,
        gt=0,
        description="Metres: raster pixels are summed into squares of this side, zones are "
        "spread over squares of it (250 if omitted), the side of CSV grid cells.",
    )
    shares: Path | None = Field(
        default=None,
        description="Customer-group shares per zone or per cell (CSV or vector file).",
    )
    shares_key: str | None = Field(
        default=None,
        description="Key column of the shares table; zone_id_column (by zone) or "
        "cell_id_column / 'cell_id' (by cell) if omitted.",
    )
    shares_by: Literal["zone", "cell"] = Field(
        default="zone", description="Whether the shares' keys are zone codes or cell ids."
    )
    zones: Path | None = Field(
        default=None,
        description="Zone polygons (with zone_id_column) that the shares' zone codes refer to.",
    )
    groups: Path | None = Field(
        default=None, description="groups.toml; the pilot's groups if omitted."
    )
    channel_shift: float = Field(
        default=0.0,
        ge=-1.0,
        description="Relative change of every group's face-to-face share, e.g. -0.2 for 20 % fewer.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> DemandConfig:
        csv = self.population_kind == "csv" or (
            self.population_kind == "auto"
            and self.population is not None
            and self.population.suffix.lower() in {".csv", ".txt"}
        )
        if csv and self.cell_size is None:
            msg = "a CSV grid (demand.population) needs demand.cell_size"
            raise ValueError(msg)
        if self.zones is not None and self.shares is None:
            msg = "demand.zones is only read with demand.shares; remove it or add demand.shares"
            raise ValueError(msg)
        if self.zones is not None and self.shares_by == "cell":
            msg = "demand.zones is for shares by zone; remove it or set shares_by = 'zone'"
            raise ValueError(msg)
        return self


class SitesConfig(Strict):
    """Existing and candidate sites."""

    file: Path | None = Field(
        default=None, description="CSV (x, y in the area CRS) or vector file of sites."
    )
    existing: list[str] | None = Field(
        default=None,
        description="Site ids to treat as existing (overrides the file's status column).",
    )
    exclude: list[str] = Field(
        default_factory=list, description="Site ids to leave out of this run."
    )


class ObjectiveConfig(Strict):
    """The question: which location model, with how many new sites, solved how."""

    model: Literal["pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"] = "pmedian"
    new_sites: int = Field(
        default=1, ge=0, description="Number of sites to add to the existing ones."
    )
    keep_existing: bool = Field(default=True, description="Existing sites stay open.")
    limit_minutes: float | None = Field(
        default=None, gt=0, description="T for coverage and set cover."
    )
    coverage_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="set_cover: share of face-to-face demand to bring within T.",
    )
    decay: Literal["step", "linear", "exponential", "power"] = Field(
        default="step",
        description="max_coverage: full credit within T (step) or fading to 0 at T (linear); "
        "max_attendance: 'exponential' or 'power' gives every group this decay (with "
        "decay_beta, decay_t0 and limit_minutes as cut-off), else each group's own decay.",
    )
    decay_beta: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="max_attendance, exponential or power decay: beta (per minute, or exponent).",
    )
    decay_t0: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="max_attendance, power decay: minutes at which 2^-beta of the visits remain.",
    )
    decay_start: float | None = Field(
        default=None, ge=0, description="max_coverage with linear decay: minutes of full credit."
    )
    weighted_center: bool = Field(
        default=False,
        description="pcenter: minimise the worst demand-weighted journey, not the plain one.",
    )
    capacities: bool = Field(
        default=True, description="Use the sites' capacity column (visits per month) where given."
    )
    split_demand: bool = Field(
        default=False, description="With capacities, a cell's visits may be split between sites."
    )
    site_cost_column: str | None = Field(
        default=None,
        description="set_cover: column of the sites table with a cost per site (least-cost cover).",
    )
    method: Literal["auto", "exact", "heuristic"] = "auto"
    time_limit: float = Field(default=60.0, gt=0, description="Solver time limit in seconds.")
    alternatives: int = Field(
        default=0,
        ge=0,
        description="Near-optimal alternatives to list besides the best answer (not set_cover); "
        "written to alternatives.csv and summary.json; searched within time_limit more seconds.",
    )
    within: float = Field(
        default=0.02,
        ge=0,
        description="Alternatives lie within this share of the best objective (0.02: 2 %).",
    )
    gap: float = Field(
        default=0.0, ge=0, lt=1, description="Relative optimality gap at which to stop."
    )
    seed: int = 0

    @model_validator(mode="after")
    def _limit_for_coverage(self) -> ObjectiveConfig:
        if self.model in {"max_coverage", "set_cover"} and self.limit_minutes is None:
            msg = f"model '{self.model}' needs objective.limit_minutes"
            raise ValueError(msg)
        if self.decay in ("exponential", "power"):
            if self.model != "max_attendance":
                msg = f"decay '{self.decay}' is for model 'max_attendance', not '{self.model}'"
                raise ValueError(msg)
            problems = decay_problems(
                self.decay,
                beta=self.decay_beta,
                t0=self.decay_t0,
                cutoff=self.limit_minutes,
                field="objective.decay",
            )
            if problems:
                msg = "; ".join(m for _, m in problems) + " (max_attendance's own decay)"
                raise ValueError(msg)
        limit, start = self.limit_minutes, self.decay_start
        if start is not None and limit is not None and start > limit:
            msg = (
                f"objective.decay_start = {start:g} lies beyond objective.limit_minutes = "
                f"{limit:g} (full credit cannot outlast all credit)"
            )
            raise ValueError(msg)
        if self.alternatives and self.model == "set_cover":
            msg = (
                "objective.alternatives needs a fixed number of sites, which set_cover has not; "
                "remove it or use another model"
            )
            raise ValueError(msg)
        return self


class CalibrationConfig(Strict):
    """Observed footfall the visit rates are fitted to (README: "Calibration")."""

    observed_visits_per_month: dict[str, float] = Field(
        min_length=1,
        description="Face-to-face visits a month observed at existing sites, by site id, e.g. "
        '{ "sheerness-gateway" = 11000 }.',
    )
    period: str = Field(
        default="", description="When the observations were made (free text, reported)."
    )
    source: str = Field(
        default="",
        description="Where the observations come from and how sure they are (free text, reported).",
    )
    fit_decay: bool = Field(
        default=True,
        description="With two observations or more, fit the groups' decay parameter too.",
    )

    @field_validator("observed_visits_per_month")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not (v > 0 and v < float("inf"))}
        if bad:
            msg = f"observed visits must be numbers > 0, got {bad}"
            raise ValueError(msg)
        return value


class OutputConfig(Strict):
    """Where results go."""

    folder: Path | None = Field(
        default=None,
        description="Output folder (relative to the scenario's folder); outputs/<name> there "
        "if omitted. Replaced by each run when it holds only an earlier run's files.",
    )
