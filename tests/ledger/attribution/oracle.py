"""The naive attribution oracle: the rules of :mod:`ledger.attribution.engine`
in plain Python, one hour and one meter at a time.

The property tests compare the vectorised engine and the allocation keys with
it; ``bench.bench_attribution`` also times it against the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.attribution.allocation import SHARE_SCALE
from ledger.attribution.records import DirectLink, MonthInputs
from ledger.energy.units import WH_PER_GEC

__all__ = ["NaiveResult", "naive_attribute", "naive_largest_remainder"]


def naive_largest_remainder(weights: list[int], total: int) -> list[int]:
    """Largest remainder, ties to the lower index (plain Python)."""
    s = sum(weights)
    if s == 0:
        return [0] * len(weights)
    q = [w * total // s for w in weights]
    r = [w * total - qi * s for w, qi in zip(weights, q, strict=True)]
    owed = total - sum(q)
    for i in sorted(range(len(weights)), key=lambda i: (-r[i], i))[:owed]:
        q[i] += 1
    return q


def _key(link: DirectLink, need: list[int], supply: int) -> list[int]:
    if link.key == "pro_rata":
        return naive_largest_remainder(need, min(supply, sum(need)))
    if link.key == "static_shares":
        assert link.shares is not None
        shares = list(link.shares)
        entitled = naive_largest_remainder([*shares, SHARE_SCALE - sum(shares)], supply)[:-1]
        return [min(n, e) for n, e in zip(need, entitled, strict=True)]
    out, left = [], supply
    for n in need:
        take = min(n, left)
        out.append(take)
        left -= take
    return out


@dataclass
class NaiveResult:
    """Plain lists: ``[m][h]`` parts, ``[m][g]`` totals, unused per retirement."""

    direct: list[list[int]]
    contracted: list[list[int]]
    certificate: list[list[int]]
    grid: list[list[int]]
    direct_by_generator: list[list[int]]
    contracted_by_generator: list[list[int]]
    claimable_direct_by_generator: list[list[int]]
    claimable_contracted_by_generator: list[list[int]]
    retirement_unused_wh: list[int]


def naive_attribute(inputs: MonthInputs) -> NaiveResult:
    """The rules of :mod:`ledger.attribution.engine`, hour by hour, meter by meter.

    Precondition: no missing readings.
    """
    n_m, n_h = inputs.consumption.shape
    n_g = len(inputs.generator_ids)
    mi = {m: i for i, m in enumerate(inputs.consumer_ids)}
    gi = {g: i for i, g in enumerate(inputs.generator_ids)}
    rem = inputs.consumption.tolist()
    left = inputs.generation.tolist()
    direct = [[0] * n_h for _ in range(n_m)]
    contracted = [[0] * n_h for _ in range(n_m)]
    certificate = [[0] * n_h for _ in range(n_m)]
    d_mg = [[0] * n_g for _ in range(n_m)]
    c_mg = [[0] * n_g for _ in range(n_m)]
    claim = [[0] * n_g for _ in range(n_m)]
    claim_c = [[0] * n_g for _ in range(n_m)]
    for link in inputs.links:
        lo, hi = link.hour_range(inputs.month, inputs.time_zone)
        rows = [mi[m] for m in link.consumer_ids]
        for g in link.generator_ids:
            k = gi[g]
            for h in range(lo, hi):
                given = _key(link, [rem[m][h] for m in rows], left[k][h])
                for m, a in zip(rows, given, strict=True):
                    rem[m][h] -= a
                    direct[m][h] += a
                    d_mg[m][k] += a
                    left[k][h] -= a
    for trade in inputs.trades:
        rows = [mi[m] for m in trade.buyer_meter_ids]
        gens = [gi[g] for g in trade.seller_generator_ids]
        done = 0
        for h in range(n_h):
            need = [rem[m][h] for m in rows]
            avail = [left[k][h] for k in gens]
            x = max(0, min(sum(avail), sum(need), trade.volume_wh - done))
            done += x
            to_meter = naive_largest_remainder(need, x)
            from_gen = naive_largest_remainder(avail, x)
            residual = list(to_meter)
            for j, k in enumerate(gens):
                part = naive_largest_remainder(residual, from_gen[j])
                for i, m in enumerate(rows):
                    residual[i] -= part[i]
                    c_mg[m][k] += part[i]
                left[k][h] -= from_gen[j]
            for i, m in enumerate(rows):
                rem[m][h] -= to_meter[i]
                contracted[m][h] += to_meter[i]
    unused = []
    for ret in inputs.retirements:
        rows = [mi[m] for m in ret.meter_ids]
        # units claim physical energy only of their own generator and production month
        k = gi.get(ret.generator_id, -1) if ret.vintage == inputs.month else -1
        un_d = [d_mg[m][k] - claim[m][k] if k >= 0 else 0 for m in rows]
        un_c = [c_mg[m][k] - claim_c[m][k] if k >= 0 else 0 for m in rows]
        need3 = [sum(rem[m]) for m in rows]
        caps = [-(-(d + c + n) // WH_PER_GEC) for d, c, n in zip(un_d, un_c, need3, strict=True)]
        units = naive_largest_remainder(caps, min(ret.units, sum(caps)))
        used = 0
        for i, m in enumerate(rows):
            budget = units[i] * WH_PER_GEC
            cd = min(budget, un_d[i])
            cc = min(budget - cd, un_c[i])
            cover = min(budget - cd - cc, need3[i])
            if k >= 0:
                claim[m][k] += cd
                claim_c[m][k] += cc
            spread = naive_largest_remainder(list(rem[m]), cover)
            for h in range(n_h):
                rem[m][h] -= spread[h]
                certificate[m][h] += spread[h]
            used += cd + cc + cover
        unused.append(ret.wh - used)
    return NaiveResult(direct, contracted, certificate, rem, d_mg, c_mg, claim, claim_c, unused)
