"""The published facts behind the pilot's bus and rail feeds, as data.

Every route gives its number, operator, the places it serves in order, its daytime weekday
frequency and a running time, each figure marked ``confirmed`` (stated by a cited source),
``derived`` (computed from cited figures, the method said) or ``assumed`` (not found: our
choice, the reason said), and the sources (URL and publication date; every page was read on
2026-11-29 from a stored copy). :mod:`._transit` turns them into GTFS feeds. Places outside
the study area (the far ends of routes that leave it) are kept here to time the route and left
out of the feed. Nothing here is a timetable: the departure times in the feeds are made up
from the frequencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACCESSED",
    "AGENCIES",
    "FEEDS",
    "Agency",
    "BusRoute",
    "Feed",
    "Figure",
    "OnDemandZone",
    "Place",
    "Source",
    "Status",
]

Status = Literal["confirmed", "derived", "assumed"]

#: when the sources were read (stored copies of the pages)
ACCESSED = "2026-11-29"


@dataclass(frozen=True)
class Source:
    """A published page: its address and date (``undated`` when it gives none)."""

    url: str
    date: str


@dataclass(frozen=True)
class Figure:
    """A route figure (minutes), what it rests on and how sure it is."""

    minutes: float
    status: Status
    note: str


@dataclass(frozen=True)
class Place:
    """A place a route serves.

    ``commune`` names the commune whose populated cells place the stop (Pays de Saint-Omer);
    otherwise ``lat``/``lon`` is an approximate centre of the settlement (its populated cells
    within a radius place the stop). ``inside`` False: beyond the study area, used only to time
    the route.
    """

    name: str
    lat: float | None = None
    lon: float | None = None
    commune: str | None = None
    inside: bool = True


@dataclass(frozen=True)
class BusRoute:
    """One route of a feed.

    ``places`` are place keys in the order served; a key followed by ``?`` is on the route by
    assumption (not named by a source). ``running`` is the time between the places ``timed``
    names (default the first and the last); the other places are timed at the same speed
    along the straight lines between places (assumed).
    """

    route_id: str
    short_name: str
    long_name: str
    agency: str
    places: tuple[str, ...]
    headway: Figure
    running: Figure
    sources: tuple[Source, ...]
    note: str = ""
    route_type: int = 3
    timed: tuple[str, str] | None = None


@dataclass(frozen=True)
class Agency:
    """An operator (GTFS ``agency.txt``)."""

    name: str
    url: str


@dataclass(frozen=True)
class OnDemandZone:
    """How the build draws an area's on-demand zone, and what service it stands for."""

    service: str
    rule: Literal["communes_without_stop", "cells_far_from_bus_stops"]
    distance_m: float
    sources: tuple[Source, ...]
    note: str


@dataclass(frozen=True)
class Feed:
    """One area's feed: its places, routes, on-demand zone and timezone."""

    timezone: str
    lang: str
    places: dict[str, Place]
    routes: tuple[BusRoute, ...]
    on_demand: OnDemandZone


AGENCIES: dict[str, Agency] = {
    "chalkwell": Agency("Chalkwell", "https://chalkwell.co.uk/"),
    "stagecoach": Agency("Stagecoach South East", "https://www.stagecoachbus.com/"),
    "southeastern": Agency("Southeastern", "https://www.southeasternrailway.co.uk/"),
    "mouveo": Agency(
        "Mouvéo (CA du Pays de Saint-Omer)", "https://transport.data.gouv.fr/datasets/offer/261"
    ),
    "region": Agency(
        "Cars interurbains (Région Hauts-de-France; line numbers not found)",
        "https://wikipasdecalais.fr/index.php?title=R%C3%A9seau_Colvert",
    ),
}

# ------------------------------------------------------------------------------- sources: Swale

_KO_334 = Source(
    "https://kentonline.co.uk/sheerness/news/amp/new-bus-operator-takes-over-major-borough-route-290605",
    "2023-07-24",
)
_KO_334_TAKEOVER = Source(
    "http://kentonline.co.uk/sheerness/news/bus-company-announce-service-takeover-287582/",
    "undated, mid-2023",
)
_ROB_2024 = Source(
    "https://ridingtherouteswithrob.blogspot.com/2024/03/day-219-after-one-tfl-route-once-again.html",
    "2024-03-20",
)
_CW_2024 = Source(
    "https://chalkwell.co.uk/swale-bus-network-changes-3rd-january-2024/",
    "undated, changes from 2024-01-03",
)
_CW_2023 = Source(
    "https://chalkwell.co.uk/changes-to-island-buses-network/",
    "undated, changes from 2023-02-13",
)
_BTU_ISLAND = Source("https://busandtrainuser.com/2021/09/29/island-hopping-in-kent/", "2021-09-29")
_BTU_X3_2021 = Source(
    "https://busandtrainuser.com/2021/08/04/by-bus-between-canterbury-and-maidstone/", "2021-08-04"
)
_BTU_X3_2024 = Source(
    "https://busandtrainuser.com/2024/04/16/x-rated-bus-riding-in-kent/", "2024-04-16"
)
_FORUM_X3 = Source(
    "https://www.railforums.co.uk/threads/stagecoach-east-kent.164043/page-3", "2021, forum post"
)
_CW_2013 = Source(
    "http://www.chalkwell.co.uk/news/chalkwell-re-invest-its-kent-medway-network/?ccm_paging_p_b1285=15",
    "undated, about 2013",
)
_KO_327 = Source(
    "https://kentonline.co.uk/sittingbourne/news/anger-rising-over-bus-route-45949",
    "undated, about 2013",
)
_CW_2020 = Source(
    "https://chalkwell.co.uk/326-327-328-timetable-changes-from-24th-february-2020/",
    "undated, changes from 2020-02-24",
)
_KO_349 = Source(
    "https://kentonline.co.uk/sittingbourne/news/bus-service-cut-after-drivers-attacked-219310",
    "undated, December 2019",
)
_RAIL_MIRROR = Source("http://cryer.org.uk/Sheerness-on-Sea_railway_station", "undated, after 2019")
_BTU_RAIL = Source("https://busandtrainuser.com/2021/04/09/get-down-sheppey/", "2021-04-09")
_RAIL_LINE = Source(
    "https://a.osmarks.net/content/wikipedia_en_all_maxi_2020-08/A/Sheerness_line", "2020-08"
)
_BLOG_2013 = Source(
    "http://makedoandmendnovice.blogspot.com/2013/08/sittingbourne-sheerness-ride-on-sheppey.html",
    "2013-08",
)
_KARRIER = Source("https://busandtrainuser.com/2022/03/19/kents-summer-bus-cull/", "2022-03-19")
_KARRIER_2 = Source(
    "https://hythe-tourism.com/kcc-runs-38-bus-routes-supplied-by-arriva-stagecoach-autocar-go-coach-regents-nu-venture-and-chalkwell/",
    "2022",
)

#: approximate settlement centres (WGS84, to about 100 m); the stop sits at the centre of the
#: populated cells around each (see _transit.SETTLEMENT_RADIUS_M)
_SWALE_PLACES: dict[str, Place] = {
    "sittingbourne": Place("Sittingbourne (town centre, bus hub and station)", 51.3418, 0.7347),
    "milton-regis": Place("Milton Regis", 51.3505, 0.7290),
    "the-meads": Place("The Meads", 51.3560, 0.7200),
    "kemsley": Place("Kemsley", 51.3620, 0.7390),
    "murston": Place("Murston", 51.3450, 0.7550),
    "iwade": Place("Iwade", 51.3780, 0.7290),
    "swale-halt": Place("Swale (station)", 51.3895, 0.7465),
    "queenborough": Place("Queenborough", 51.4160, 0.7460),
    "rushenden": Place("Rushenden", 51.4085, 0.7470),
    "sheerness": Place("Sheerness (town centre, station and Tesco)", 51.4410, 0.7600),
    "west-minster": Place("West Minster", 51.4320, 0.7700),
    "minster": Place("Minster (Sheppey)", 51.4225, 0.8050),
    "thistle-hill": Place("Thistle Hill", 51.4130, 0.8080),
    "eastchurch": Place("Eastchurch", 51.4095, 0.8610),
    "warden-bay": Place("Warden Bay", 51.4060, 0.9090),
    "leysdown": Place("Leysdown-on-Sea", 51.3960, 0.9230),
    "newington": Place("Newington", 51.3530, 0.6680),
    "bapchild": Place("Bapchild", 51.3370, 0.7680),
    "teynham": Place("Teynham", 51.3340, 0.8070),
    "faversham": Place("Faversham", 51.3150, 0.8890),
    "oare": Place("Oare", 51.3260, 0.8800),
    "boughton": Place("Boughton under Blean", 51.2990, 0.9430),
    "dunkirk": Place("Dunkirk", 51.2920, 0.9770),
    "canterbury": Place("Canterbury", 51.2798, 1.0789, inside=False),
    "maidstone": Place("Maidstone", 51.2720, 0.5290, inside=False),
    "rainham": Place("Rainham (Medway)", 51.3620, 0.6110, inside=False),
    "gillingham": Place("Gillingham (Mid Kent College)", 51.3830, 0.5510, inside=False),
}

_SWALE_ROUTES: tuple[BusRoute, ...] = (
    BusRoute(
        "334",
        "334",
        "Sittingbourne - Milton Regis - The Meads - Iwade - Minster - Sheerness",
        "chalkwell",
        ("sittingbourne", "milton-regis", "the-meads", "iwade", "minster", "sheerness"),
        Figure(
            30,
            "confirmed",
            "'buses every 30 minutes throughout most of the day' (KentOnline, 24 Jul 2023); 'half hourly' (ride of 20 Mar 2024)",
        ),
        Figure(
            50,
            "assumed",
            "no timetable found: about 20 km with loops through The Meads, Iwade and Minster at about 25 km/h",
        ),
        (_KO_334, _KO_334_TAKEOVER, _ROB_2024, _CW_2024),
        "Chalkwell since 24 Jul 2023. Milton Regis, The Meads, Iwade and Sheerness Tesco named by the 2024 ride, Minster Broadway by Chalkwell (Jan 2024); whether it calls at Queenborough or Halfway is not known (left out).",
    ),
    BusRoute(
        "360",
        "360",
        "Sheerness - Thistle Hill - Eastchurch - Warden Bay - Leysdown",
        "chalkwell",
        ("sheerness", "thistle-hill", "eastchurch", "warden-bay", "leysdown"),
        Figure(
            60,
            "confirmed",
            "hourly between Sheerness and Leysdown (2021); serves Thistle Hill 'on an hourly basis, Monday to Saturday' (Chalkwell, Jan 2024)",
        ),
        Figure(
            50,
            "assumed",
            "43 min derived from the 2021 last bus (Leysdown 18:45, Sheerness 19:28) plus 7 min assumed for the Thistle Hill diversion and the running time added in Jan 2024 (no figure given)",
        ),
        (_BTU_ISLAND, _CW_2024, _CW_2023),
        "Island Buses (Chalkwell since Jul 2021); via Scocles Road and Thistle Hill since 3 Jan 2024, Minster High Street no longer served.",
    ),
    BusRoute(
        "361",
        "361",
        "Sheerness - Queenborough - Rushenden",
        "chalkwell",
        ("sheerness", "queenborough", "rushenden"),
        Figure(
            60,
            "confirmed",
            "hourly (2021); both directions between Morrisons, Queenborough and Rushenden since 3 Jan 2024",
        ),
        Figure(20, "assumed", "no timetable found: about 7 km at an urban bus speed"),
        (_BTU_ISLAND, _CW_2024, _CW_2023),
        "The Morrisons (Neats Court) stop is not a settlement and is left out.",
    ),
    BusRoute(
        "362",
        "362",
        "Sheerness - West Minster",
        "chalkwell",
        ("sheerness", "west-minster"),
        Figure(
            60,
            "confirmed",
            "'will operate hourly and Monday to Friday only' from 3 Jan 2024 (Chalkwell)",
        ),
        Figure(15, "assumed", "no timetable found: a short town link"),
        (_CW_2024, _CW_2023, _BTU_ISLAND),
    ),
    BusRoute(
        "X3",
        "X3",
        "Canterbury - Faversham - Teynham - Bapchild - Sittingbourne - Maidstone (Swale section)",
        "stagecoach",
        ("canterbury", "faversham", "teynham?", "bapchild?", "sittingbourne", "maidstone"),
        Figure(
            60,
            "confirmed",
            "end to end Canterbury - Maidstone hourly (busandtrainuser, 16 Apr 2024)",
        ),
        Figure(
            85,
            "confirmed",
            "'85 minute journey' Canterbury - Maidstone (forum, 2021 schedule); the Swale section is timed at the same speed",
        ),
        (_BTU_X3_2024, _BTU_X3_2021, _FORUM_X3, _KO_334_TAKEOVER),
        "Only the Swale section is in the feed (Canterbury and Maidstone lie outside the area). Stops in the A2 villages between Faversham and Sittingbourne are not named by the sources: Teynham and Bapchild assumed.",
    ),
    BusRoute(
        "3",
        "3",
        "Canterbury - Dunkirk - Boughton - Faversham - Oare (Swale section)",
        "stagecoach",
        ("canterbury", "dunkirk?", "boughton?", "faversham", "oare"),
        Figure(60, "confirmed", "hourly, 'unchanged' in Aug 2021 (busandtrainuser)"),
        Figure(
            45,
            "assumed",
            "no timetable found: Canterbury - Oare about 16 km through the old A2 villages",
        ),
        (_BTU_X3_2021,),
        "'via the villages on the old A2': Dunkirk and Boughton under Blean assumed. Canterbury lies outside the area.",
    ),
    BusRoute(
        "326",
        "326",
        "Sittingbourne - Newington - Rainham - Gillingham (Swale section)",
        "chalkwell",
        ("sittingbourne", "newington", "rainham", "gillingham"),
        Figure(60, "assumed", "no daytime frequency published in the sources found"),
        Figure(
            55,
            "assumed",
            "no timetable found: about 20 km on the congested A2 (roadworks 2020, congestion 2024)",
        ),
        (_CW_2013, _KO_327, _CW_2020, _CW_2024),
        "Along the A2 via Newington to Medway. The 327 through Upchurch and Lower Halstow runs only at key times (one journey each way with a feeder since Feb 2020) and is not in the daytime feed.",
    ),
    BusRoute(
        "347-349",
        "347/349",
        "Sittingbourne - Murston (town services)",
        "chalkwell",
        ("sittingbourne", "murston"),
        Figure(60, "assumed", "existence confirmed (retimed Jan 2024), frequency not found"),
        Figure(10, "assumed", "streets and times not found: a town service to the centre"),
        (_CW_2024, _KO_349),
        "One route for both town services: the 349 serves Murston (Broom Road); the 347's streets were not found.",
    ),
    BusRoute(
        "sheerness-line",
        "Sheerness line",
        "Sittingbourne - Kemsley - Swale - Queenborough - Sheerness-on-Sea (rail shuttle)",
        "southeastern",
        ("sittingbourne", "kemsley", "swale-halt", "queenborough", "sheerness"),
        Figure(
            60,
            "confirmed",
            "hourly shuttle off-peak (Wikipedia mirror after 2019; busandtrainuser, 9 Apr 2021); half-hourly until about 2020",
        ),
        Figure(
            18,
            "derived",
            "from the 9 Apr 2021 trip: making the connection saves 1 h on the official 2 h 18 min, so 78 - 57 (St Pancras - Sittingbourne) - 3 (change) = 18 min",
        ),
        (_RAIL_MIRROR, _BTU_RAIL, _RAIL_LINE, _BLOG_2013),
        "Stations in order confirmed (Sheerness line).",
        route_type=2,
    ),
    BusRoute(
        "chatham-main-line",
        "Chatham Main Line",
        "Rainham - Newington - Sittingbourne - Teynham - Faversham (rail, Swale section)",
        "southeastern",
        ("rainham", "newington", "sittingbourne", "teynham", "faversham"),
        Figure(30, "assumed", "not found: two stopping trains an hour"),
        Figure(
            8,
            "confirmed",
            "Faversham - Sittingbourne 'eight minute ride' (blog, Aug 2013); the other stations timed at the same speed",
        ),
        (_BLOG_2013,),
        "Not in the brief's list; kept because trains link Faversham, Teynham, Sittingbourne and Newington.",
        route_type=2,
        timed=("sittingbourne", "faversham"),
    ),
)

_SWALE_ZONE = OnDemandZone(
    service="Kent Karrier (Kent County Council dial-a-ride)",
    rule="cells_far_from_bus_stops",
    distance_m=500.0,
    sources=(_KARRIER, _KARRIER_2),
    note="for people with a mobility impairment or living more than 500 m from a bus stop (2022; cuts proposed, later rescued); its days, hours and booking rules were not found",
)

# ------------------------------------------------------------------ sources: Pays de Saint-Omer

_MOUVEO = Source(
    "https://lagazettefrance.fr/index.php/article/le-mouveo-nouveau-est-arrive",
    "undated, about 2015",
)
_CASO_2005 = Source(
    "https://www.lagazettedescommunes.com/19067/saint-omer-se-dote-dun-service-de-transports-en-commun",
    "undated, about 2005",
)
_GTFS_PAGE = Source(
    "https://transport.data.gouv.fr/datasets/offer/261?locale=en", "updated 2025-03-05"
)
_COLVERT = Source("https://wikipasdecalais.fr/index.php?title=R%C3%A9seau_Colvert", "undated")
_OSCAR = Source("https://velobuscotedopale.wordpress.com/category/en-bus/", "2018")
_TAD = Source(
    "https://www.banquedesterritoires.fr/le-transport-la-demande-des-communes-rurales-integre-la-dsp-de-lagglomeration-62",
    "undated, about 2013",
)
_CASOTAD = Source(
    "https://lagazettefrance.fr/article/laudomarois-prend-le-pli-du-transport-en-commun",
    "undated, about 2014",
)

_SAINT_OMER_PLACES: dict[str, Place] = {
    "saint-omer": Place("Saint-Omer (gare and centre)", commune="Saint-Omer"),
    "longuenesse": Place("Longuenesse", commune="Longuenesse"),
    "blendecques": Place("Blendecques", commune="Blendecques"),
    "helfaut": Place("Helfaut (CH de la région de Saint-Omer)", commune="Helfaut"),
    "arques": Place("Arques", commune="Arques"),
    "saint-martin": Place("Saint-Martin-lez-Tatinghem", commune="Saint-Martin-lez-Tatinghem"),
    "wizernes": Place("Wizernes", commune="Wizernes"),
    "hallines": Place("Hallines", commune="Hallines"),
    "bellinghem": Place("Bellinghem", commune="Bellinghem"),
    "delettes": Place("Delettes", commune="Delettes"),
    "coyecques": Place("Coyecques", commune="Coyecques"),
    "fauquembergues": Place("Fauquembergues", commune="Fauquembergues"),
    "campagne": Place("Campagne-lès-Wardrecques", commune="Campagne-lès-Wardrecques"),
    "racquinghem": Place("Racquinghem", commune="Racquinghem"),
    "aire": Place("Aire-sur-la-Lys", commune="Aire-sur-la-Lys"),
    "lumbres": Place("Lumbres", 50.7070, 2.1210, inside=False),
}

_URBAN_NOTE = "Line numbers 3, 4 and 5 confirmed (about 2015); their routes, frequencies and times were not found: one urban commune each from the station assumed."
_COACH_NOTE = "Regional coach (the department's Colvert network, renamed Oscar about 2012, regional since 2017); line number, stops and frequency not found."

_SAINT_OMER_ROUTES: tuple[BusRoute, ...] = (
    BusRoute(
        "mouveo-1",
        "1",
        "Gare de Saint-Omer - Longuenesse - Blendecques - CH Helfaut",
        "mouveo",
        ("saint-omer", "longuenesse?", "blendecques?", "helfaut"),
        Figure(30, "assumed", "not found (the line is 'timed to the trains')"),
        Figure(25, "assumed", "not found: about 9 km through the urban communes"),
        (_MOUVEO, _CASO_2005, _GTFS_PAGE),
        "The network's backbone from the station to the hospital (about 2015; line number assumed); the communes between them assumed from the map.",
    ),
    BusRoute(
        "mouveo-3",
        "3",
        "Gare de Saint-Omer - Arques",
        "mouveo",
        ("saint-omer", "arques?"),
        Figure(60, "assumed", "not found"),
        Figure(20, "assumed", "not found"),
        (_MOUVEO, _GTFS_PAGE),
        _URBAN_NOTE,
    ),
    BusRoute(
        "mouveo-4",
        "4",
        "Gare de Saint-Omer - Saint-Martin-lez-Tatinghem",
        "mouveo",
        ("saint-omer", "saint-martin?"),
        Figure(60, "assumed", "not found"),
        Figure(20, "assumed", "not found"),
        (_MOUVEO, _GTFS_PAGE),
        _URBAN_NOTE,
    ),
    BusRoute(
        "mouveo-5",
        "5",
        "Gare de Saint-Omer - Longuenesse - Wizernes",
        "mouveo",
        ("saint-omer", "longuenesse?", "wizernes?"),
        Figure(60, "assumed", "not found"),
        Figure(25, "assumed", "not found"),
        (_MOUVEO, _GTFS_PAGE),
        _URBAN_NOTE,
    ),
    BusRoute(
        "car-fauquembergues",
        "Car Fauquembergues",
        "Saint-Omer - Longuenesse - Helfaut - Bellinghem - Delettes - Coyecques - Fauquembergues",
        "region",
        (
            "saint-omer",
            "longuenesse?",
            "helfaut?",
            "bellinghem?",
            "delettes?",
            "coyecques?",
            "fauquembergues",
        ),
        Figure(120, "assumed", "not found: 6 to 8 return trips a day, typical of a rural coach"),
        Figure(40, "assumed", "not found: about 20 km by road at about 35 km/h with village stops"),
        (_COLVERT, _OSCAR),
        _COACH_NOTE + " Communes between the ends assumed along the D928.",
    ),
    BusRoute(
        "car-aire",
        "Car Aire-sur-la-Lys",
        "Saint-Omer - Arques - Campagne-lès-Wardrecques - Racquinghem - Aire-sur-la-Lys",
        "region",
        ("saint-omer", "arques?", "campagne?", "racquinghem?", "aire"),
        Figure(120, "assumed", "not found: 6 to 8 return trips a day, typical of a rural coach"),
        Figure(35, "assumed", "not found: about 20 km by road at about 35 km/h with village stops"),
        (_COLVERT, _OSCAR),
        _COACH_NOTE + " Communes between the ends assumed along the D943.",
    ),
    BusRoute(
        "car-lumbres",
        "Car Lumbres",
        "Saint-Omer - Wizernes - Hallines - Lumbres (Pays de Saint-Omer section)",
        "region",
        ("saint-omer", "wizernes?", "hallines?", "lumbres"),
        Figure(120, "assumed", "not found: 6 to 8 return trips a day, typical of a rural coach"),
        Figure(25, "assumed", "not found: about 12 km by road at about 35 km/h with village stops"),
        (_COLVERT, _OSCAR),
        _COACH_NOTE
        + " Lumbres lies outside the CA du Pays de Saint-Omer: only the section to Hallines is in the feed.",
    ),
)

_SAINT_OMER_ZONE = OnDemandZone(
    service="transport à la demande of the rural communes (Casotad, now Mouvéo)",
    rule="communes_without_stop",
    distance_m=0.0,
    sources=(_TAD, _CASOTAD),
    note="since 2008 door to door from the rural communes to six hubs of the urban network (hospital, station, town centre, retail zone) or between rural communes; 'serves the rural communes not on Casobus' (about 2014); whether the zone now covers the communes that joined in 2017, its booking rules, hours and fares were not found",
)

#: area id -> its feed's facts
FEEDS: dict[str, Feed] = {
    "swale": Feed("Europe/London", "en", _SWALE_PLACES, _SWALE_ROUTES, _SWALE_ZONE),
    "saint-omer": Feed(
        "Europe/Paris", "fr", _SAINT_OMER_PLACES, _SAINT_OMER_ROUTES, _SAINT_OMER_ZONE
    ),
}
