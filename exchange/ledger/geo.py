"""Great-circle distance between two lieux (DESIGN.md, "Finding scrap nearby"), pure."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

from exchange.ledger.rules import Invalid
from exchange.messages import _

# The mean Earth radius (IUGG): the haversine on a sphere is within 0.5 % of the ellipsoid,
# some 100 m over the 20 km between two lieux of a region, well under what "near me" needs.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km along the sphere between two (latitude, longitude) points in degrees."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    h = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def check_position(latitude: float, longitude: float, field: str = "near") -> tuple[float, float]:
    """A latitude within ±90 and a longitude within ±180, or a 422 naming the field."""
    if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180) or latitude != latitude or longitude != longitude:
        raise Invalid(_("A position is a latitude from -90 to 90 and a longitude from -180 to 180."), field=field)
    return latitude, longitude


def parse_position(text: str | None, field: str = "near") -> tuple[float, float]:
    """ "LAT,LON" (decimal degrees) → (latitude, longitude); anything else is a 422."""
    parts = (text or "").split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        latitude, longitude = float(parts[0]), float(parts[1])
    except ValueError:
        raise Invalid(_("A position is written LAT,LON in decimal degrees, e.g. 45.76,4.84."), field=field) from None
    return check_position(latitude, longitude, field)
