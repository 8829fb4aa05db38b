"""Hand-set (assumed) inputs of the pilot pack, written verbatim by the build.

They live here, as text, so that ``python -m gateway_planner.pilot.build --out DIR`` produces a
complete pack and a rebuild reproduces the committed files byte for byte. To change an assumption,
edit the text here and rebuild; every figure is labelled ``source = "assumed: ..."``.
"""

from __future__ import annotations

__all__ = ["AREAS", "GROUPS_TOML", "PROXY_TOML", "SHARES_TOML"]

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
modes = { drive = 0.80, walk = 0.20 }
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "families"
name = "Families with children"
description = "Parents and carers of children: benefits, school and childcare, housing; mixed use of web, phone and counter."
visits_per_person_year = 1.0
channels = { face_to_face = 0.20, phone = 0.35, web = 0.45 }
modes = { drive = 0.70, walk = 0.30 }
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "older_low_income"
name = "Older residents on low incomes"
description = "Pensioners and older residents on low incomes: pensions, benefits, bus passes; prefer phone and counter, many without a car."
visits_per_person_year = 1.4
channels = { face_to_face = 0.45, phone = 0.40, web = 0.15 }
modes = { drive = 0.45, walk = 0.55 }
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "assisted_support"
name = "People needing assisted or complex support"
description = "Residents with disabilities, language needs, debt or housing crises, or without digital access, who need a caseworker in person."
visits_per_person_year = 3.0
channels = { face_to_face = 0.60, phone = 0.30, web = 0.10 }
modes = { drive = 0.35, walk = 0.65 }
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

_PROXY_COMMON = """\
# Proxy travel network for the pilot (no road data offline): a planar proximity graph between the
# populated cells and the sites (Delaunay triangulation plus nearest neighbours), kept on land.
# Format: gateway_planner/network/proxy_params.py (load with load_proxy_params).
# travel_time [s] = length [m] x detour_factor / speed [m/s]. Every figure is ASSUMED.
source = "assumed: straight-line proximity graph with density-class speeds and a detour factor standing in for the road network"
max_edge_m = {max_edge_m}
neighbours = 4
detour_factor = 1.3
land_tolerance_m = 30.0
walk_speed_kmh = 4.8

# drive speed by the density class of the cell at each end (an edge takes the slower end)
[drive_speed_kmh]
urban = 25.0
town = 40.0
rural = 65.0
"""

_SWALE_LINKS = """
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

#: area id -> proxy_network.toml text
PROXY_TOML: dict[str, str] = {
    "swale": _PROXY_COMMON.replace("{max_edge_m}", "3000.0") + _SWALE_LINKS,
    "saint-omer": _PROXY_COMMON.replace("{max_edge_m}", "3000.0"),
}
