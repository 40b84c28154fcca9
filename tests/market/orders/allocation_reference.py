"""The fair policy's arithmetic as it was first written — exact ``Fraction`` shares, a water-fill
that steps level by level, rounding that sorts every household three times — kept as the oracle the
integer version in ``market.orders.fair_shares`` must match grams for grams."""
from __future__ import annotations

from fractions import Fraction


def water_fill(amount: Fraction, capacities: dict[int, Fraction]) -> dict[int, Fraction]:
    """Max-min fair split of ``amount`` over keys with ``capacities`` (exact)."""
    shares = {k: Fraction(0) for k in capacities}
    remaining = amount
    open_keys = sorted(k for k, c in capacities.items() if c > 0)
    while remaining > 0 and open_keys:
        level = remaining / len(open_keys)
        smallest = min(capacities[k] - shares[k] for k in open_keys)
        step = min(level, smallest)
        for k in open_keys:
            shares[k] += step
        remaining -= step * len(open_keys)
        open_keys = [k for k in open_keys if capacities[k] - shares[k] > 0]
    return shares


def fair_shares(target: int, offered: dict[int, int], tiers: dict[int, int], cap: int) -> dict[int, Fraction]:
    shares: dict[int, Fraction] = {h: Fraction(0) for h in offered}
    remaining = Fraction(target)
    for tier in sorted(set(tiers.values())):
        members = {h: Fraction(min(offered[h], cap)) for h in offered if tiers[h] == tier}
        filled = water_fill(min(remaining, sum(members.values(), Fraction(0))), members)
        for h, amount in filled.items():
            shares[h] += amount
        remaining -= sum(filled.values(), Fraction(0))
    if remaining > 0:
        for tier in sorted(set(tiers.values())):
            members = {h: Fraction(offered[h]) - shares[h] for h in offered if tiers[h] == tier}
            filled = water_fill(min(remaining, sum(members.values(), Fraction(0))), members)
            for h, amount in filled.items():
                shares[h] += amount
            remaining -= sum(filled.values(), Fraction(0))
    assert remaining == 0
    return shares


def round_to_crates(shares: dict[int, Fraction], capacity: dict[int, int], target: int, crate_g: int,
                    cap: int) -> dict[int, int]:
    ceiling = {h: min(capacity[h], max(cap, _ceil(shares[h]))) for h in shares}
    base = {h: int(s // crate_g) for h, s in shares.items()}
    grams = {h: base[h] * crate_g for h in shares}
    extra = target // crate_g - sum(base.values())
    total = sum(grams.values())
    debt = sum(max(0, int(shares[h]) - grams[h]) for h in shares if grams[h] + crate_g > ceiling[h])
    for h in sorted(shares, key=lambda h: (-(shares[h] / crate_g - base[h]), h)):
        if extra <= 0:
            break
        if shares[h] / crate_g > base[h] and grams[h] + crate_g <= ceiling[h]:
            if target - (total + crate_g) < debt:
                continue
            grams[h] += crate_g
            total += crate_g
            extra -= 1
    leftover = target - sum(grams.values())
    for h in sorted(shares, key=lambda h: (-(shares[h] - grams[h]), h)):
        take = min(leftover, max(0, int(shares[h]) - grams[h]), ceiling[h] - grams[h])
        if take > 0:
            grams[h] += take
            leftover -= take
    for h in sorted(shares, key=lambda h: (-(shares[h] - int(shares[h])), h)):
        take = min(leftover, max(0, _ceil(shares[h]) - grams[h]), ceiling[h] - grams[h])
        if take > 0:
            grams[h] += take
            leftover -= take
    for limit in (ceiling, capacity):
        for h in sorted(shares):
            take = min(leftover, limit[h] - grams[h])
            if take > 0:
                grams[h] += take
                leftover -= take
    assert leftover == 0, leftover
    return grams


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)
