"""Distance between two cases' points, and the small term it adds to a similarity (SPEC C8, C10): the same
problem is usually raised within a few hundred metres of itself, and two look-alike voices a few
kilometres apart in one large village are usually two problems. Duplicates (`ledger/similar.py`) and
hotspots (`insight/hotspots.py`) both add `distance_term` to their text similarity; only when both
points are known — a case without a point is neither nearer nor farther. Pure (NumPy only), so the
hotspot clustering applies it to a whole sparse matrix at once. docs/map.md gives the figures."""

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
NEAR_M = 300  # within this: the same spot, the full bonus
SAME_M = 1000  # the bonus fades to nothing here …
FAR_M = 3000  # … and turns into the full penalty here
BONUS = 0.10
PENALTY = 0.15


def distance_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres (haversine); arrays or plain numbers; NaN where a point is missing."""
    lat1, lng1, lat2, lng2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lng1, lat2, lng2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def distance_term(lat1, lng1, lat2, lng2):
    """+BONUS within NEAR_M, fading to 0 at SAME_M, down to −PENALTY at FAR_M and beyond; 0 where either point
    is missing (None or NaN). Arrays in, an array out; plain numbers in, a float out."""
    d = distance_m(*(np.nan if v is None else v for v in (lat1, lng1, lat2, lng2)))
    fade = np.where(d <= SAME_M, BONUS * (SAME_M - d) / (SAME_M - NEAR_M),
                    -PENALTY * np.clip((d - SAME_M) / (FAR_M - SAME_M), 0, 1))
    term = np.where(np.isnan(d), 0.0, np.where(d <= NEAR_M, BONUS, fade))
    return float(term) if term.ndim == 0 else term
