"""Synthetic, seeded, physically plausible hourly profiles for the demo park (Ordos, Inner Mongolia).

Solar follows the sun's elevation at the park's latitude and longitude with a
daily cloudiness draw; wind is an AR(1) Gaussian process mapped onto a Weibull
speed distribution with a winter–spring maximum and pushed through a turbine
power curve; industrial loads are near-flat with noise, shifts and a few
maintenance outages. Everything is a numpy array of Wh per UTC hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

LATITUDE = 39.6  # Ordos, degrees north
LONGITUDE = 109.8  # degrees east: local solar time ≈ UTC + 7.3 h


@dataclass(frozen=True)
class Hours:
    """``count`` UTC hours from ``start`` (a numpy datetime64 hour)."""

    start: np.datetime64
    count: int

    @property
    def stamps(self) -> NDArray[np.datetime64]:
        return self.start + np.arange(self.count).astype("timedelta64[h]")

    def day_of_year(self) -> NDArray[np.float64]:
        days = (self.stamps - self.stamps.astype("datetime64[Y]")).astype("timedelta64[h]").astype(
            np.int64
        ) / 24
        out: NDArray[np.float64] = days.astype(np.float64)
        return out

    def utc_hour(self) -> NDArray[np.float64]:
        out: NDArray[np.float64] = (self.stamps.astype("datetime64[h]").astype(np.int64) % 24).astype(
            np.float64
        )
        return out


def solar(hours: Hours, capacity_kw: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """PV output, Wh per hour: clear-sky elevation shape × daily cloudiness × performance ratio 0.8."""
    doy = hours.day_of_year()
    declination = np.radians(23.45) * np.sin(2 * np.pi * (284 + doy) / 365)
    solar_time = (hours.utc_hour() + 0.5 + LONGITUDE / 15) % 24
    hour_angle = np.radians(15 * (solar_time - 12))
    lat = np.radians(LATITUDE)
    sin_elev = np.sin(lat) * np.sin(declination) + np.cos(lat) * np.cos(declination) * np.cos(hour_angle)
    clear = np.clip(sin_elev, 0, None) ** 1.15
    days = hours.count // 24 + 2
    cloud = rng.beta(5, 1.6, size=days)  # mostly clear skies, some overcast days
    day_index = (np.arange(hours.count) + int(hours.utc_hour()[0])) // 24
    kw = capacity_kw * 0.8 * clear * cloud[day_index]
    wh: NDArray[np.int64] = np.rint(kw * 1000).astype(np.int64)
    return wh


def wind(
    hours: Hours, capacity_kw: float, rng: np.random.Generator, *, scale: float = 8.2
) -> NDArray[np.int64]:
    """Wind farm output, Wh per hour: Weibull(k=2) speeds with hourly persistence, seasonal, through a
    power curve."""
    phi = 0.97
    noise = rng.normal(0, np.sqrt(1 - phi**2), size=hours.count)
    z = np.empty(hours.count)
    z[0] = rng.normal()
    for i in range(1, hours.count):  # an AR(1) recursion: one pass, no per-meter loop
        z[i] = phi * z[i - 1] + noise[i]
    seasonal = 1 + 0.18 * np.cos(
        2 * np.pi * (hours.day_of_year() - 80) / 365
    )  # windier in late winter/spring
    speed = scale * seasonal * (-np.log(1 - ndtr(z).clip(1e-9, 1 - 1e-9))) ** (1 / 2.0)
    cut_in, rated, cut_out = 3.0, 12.5, 25.0
    frac = np.where(
        speed < cut_in, 0.0, np.where(speed < rated, ((speed - cut_in) / (rated - cut_in)) ** 3, 1.0)
    )
    frac = np.where(speed >= cut_out, 0.0, frac)
    return np.rint(capacity_kw * 0.97 * frac * 1000).astype(np.int64)  # 3 % collection losses


def load(
    hours: Hours,
    mean_kw: float,
    rng: np.random.Generator,
    *,
    noise: float = 0.01,
    day_shift: float = 0.0,
    outages: int = 0,
) -> NDArray[np.int64]:
    """An industrial load, Wh per hour: ``mean_kw`` ± noise, optional day-shift swing and maintenance
    outages."""
    local_hour = (hours.utc_hour() + 8) % 24
    shift = 1 + day_shift * np.where((local_hour >= 8) & (local_hour < 20), 1.0, -1.0)
    kw = mean_kw * shift * (1 + rng.normal(0, noise, size=hours.count))
    for _ in range(outages):
        start = int(rng.integers(0, max(1, hours.count - 48)))
        kw[start : start + int(rng.integers(6, 36))] *= 0.35
    return np.rint(np.clip(kw, 0, None) * 1000).astype(np.int64)
