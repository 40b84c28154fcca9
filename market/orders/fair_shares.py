"""The fair policy's arithmetic: max-min fair shares of whole grams, exact, and their rounding to crates.

Pure integers. A water-fill of an integer amount over integer capacities gives each member either
its capacity or one common level ``L = p / q``; the fair policy fills tier after tier and only the
last tier it reaches is cut at a level, so every share is an integer but for the members of that
one tier, whose shares are an integer plus ``L``. Shares are therefore kept as integers over one
common denominator (``scaled[h] = share × denominator``), and every comparison the rounding makes is
one of integers: sorting a household's exact remainder costs what sorting an integer does.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable


def water_level(amount: int, capacities: Iterable[int]) -> Fraction | None:
    """The level ``L`` at which ``Σ min(c, L) = amount``, or ``None`` when ``amount`` covers every
    capacity (each member then gets all of its capacity). Capacities of 0 or less take nothing."""
    caps = sorted(c for c in capacities if c > 0)
    if amount >= sum(caps):
        return None
    open_count = len(caps)
    for capacity in caps:
        # Smallest capacity first: it is filled whole when the even split of what is left reaches it.
        if capacity * open_count <= amount:
            amount -= capacity
            open_count -= 1
        else:
            break
    return Fraction(amount, open_count)


def fair_shares(target: int, offered: dict[int, int], tiers: dict[int, int], cap: int) -> tuple[dict[int, int], int]:
    """Exact max-min fair shares of ``target`` grams, as ``(scaled, denominator)``.

    Pass 1 fills the tiers in order, each household up to ``min(offered, cap)``, water-filling within
    the tier; pass 2 lifts the cap, again tier by tier and fairly, only by what is still missing.
    """
    members: dict[int, list[int]] = {}
    for household, tier in tiers.items():
        members.setdefault(tier, []).append(household)
    shares = dict.fromkeys(offered, 0)
    at_level: list[int] = []
    level: Fraction | None = None
    remaining = target
    for lifted in (False, True):
        for tier in sorted(members):
            if remaining <= 0:
                break
            if lifted:
                capacity = {h: offered[h] - shares[h] for h in members[tier]}
            else:
                capacity = {h: min(offered[h], cap) for h in members[tier]}
            cut = water_level(remaining, capacity.values())
            if cut is None:
                for h, c in capacity.items():
                    if c > 0:
                        shares[h] += c
                        remaining -= c
            else:
                # The order runs out inside this tier: nothing is left for any later tier or pass.
                level = cut
                for h, c in capacity.items():
                    if c * cut.denominator <= cut.numerator:
                        shares[h] += max(c, 0)
                    else:
                        at_level.append(h)
                remaining = 0
    if level is None:
        return shares, 1
    denominator = level.denominator
    scaled = {h: s * denominator for h, s in shares.items()}
    for h in at_level:
        scaled[h] += level.numerator
    return scaled, denominator


def round_to_crates(scaled: dict[int, int], denominator: int, capacity: dict[int, int], target: int,
                    crate_g: int, cap: int) -> dict[int, int]:
    """Exact shares (``scaled / denominator``) → whole crates by largest remainder, then the grams that
    make no crate.

    Rounding never lifts a household above its capacity, nor above the larger of the cap and its
    exact share rounded up, unless nothing else can take the grams.
    """
    d = denominator
    crate_d = crate_g * d
    grams: dict[int, int] = {}
    ceiling: dict[int, int] = {}
    total = 0
    # A crate rounded up must leave payable the whole grams owed to households that no crate can
    # reach (their capacity or ceiling is less than another crate): they are paid in grams only.
    # Otherwise three shares of 29,999⅔ g rounded up to 30,000 take the gram owed to a household
    # offering 51 g. Shares that crates can reach round to whole crates as before.
    debt = 0
    takers: list[tuple[int, int]] = []  # (−remainder, household): largest remainder, then smaller id, first
    short: list[tuple[int, int]] = []   # (−(share − grams), household): furthest below its whole grams first
    for h, s in scaled.items():
        floor = s // d
        ceil = floor if floor * d == s else floor + 1
        top = capacity[h]
        if top > ceil and top > cap:
            top = ceil if ceil > cap else cap
        ceiling[h] = top
        remainder = s % crate_d
        g = (s - remainder) // d
        grams[h] = g
        total += g
        if g + crate_g > top:
            if floor > g:
                debt += floor - g
        elif remainder:
            takers.append((-remainder, h))
        if floor > g and top > g:
            short.append((g * d - s, h))
    # Largest remainder first: one more crate each while whole crates of the order are left and the
    # debt stays payable (neither the total nor the debt changes when a crate is refused, so no later
    # share could take one either).
    crates = min(target // crate_g - total // crate_g, len(takers), max(0, (target - total - debt) // crate_g))
    rounded_up: set[int] = set()
    if crates > 0:
        takers.sort()
        for _, h in takers[:crates]:
            grams[h] += crate_g
            rounded_up.add(h)
        total += crates * crate_g
    leftover = target - total
    # Everyone up to the whole grams of their share, furthest below first (a share rounded up to a
    # crate is above them already); then single grams by the largest fractional part.
    if leftover > 0:
        short.sort()
        for _, h in short:
            if h in rounded_up:
                continue
            g = grams[h]
            take = min(leftover, scaled[h] // d - g, ceiling[h] - g)
            grams[h] = g + take
            leftover -= take
            if leftover <= 0:
                break
    if leftover > 0 and d > 1:
        fractions = sorted((-(s % d), h) for h, s in scaled.items()
                           if -(-s // d) > grams[h] and ceiling[h] > grams[h])
        for _, h in fractions:
            g = grams[h]
            take = min(leftover, -(-scaled[h] // d) - g, ceiling[h] - g)
            grams[h] = g + take
            leftover -= take
            if leftover <= 0:
                break
    for limit in (ceiling, capacity):
        if leftover <= 0:
            break
        for h in sorted(scaled):
            take = min(leftover, limit[h] - grams[h])
            if take > 0:
                grams[h] += take
                leftover -= take
                if leftover <= 0:
                    break
    assert leftover == 0, leftover
    return grams
