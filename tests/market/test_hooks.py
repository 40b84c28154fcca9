"""Hooks: a feature asks, another answers, neither imports the other; the app connects them."""
from __future__ import annotations

import pytest

from market import hooks
from market.fulfilment import collection


def test_a_hook_nobody_answers_is_a_programming_error():
    hook = hooks.Hook("nobody", "asked, never answered")
    assert not hook.connected
    with pytest.raises(LookupError, match="nobody"):
        hook()


def test_a_hook_calls_its_answer_and_takes_the_same_answer_twice():
    hook = hooks.Hook("double", "twice the number")

    def double(number, *, times=2):
        return number * times

    hook.connect(double)
    hook.connect(double)
    assert hook(21) == 42 and hook(2, times=3) == 6


def test_a_second_different_answer_is_refused():
    hook = hooks.Hook("one_answer", "one answer only")
    hook.connect(len)
    with pytest.raises(ValueError, match="already answered"):
        hook.connect(str)


def test_the_built_app_answers_every_hook_with_the_collection_rules(app):
    answered = {name: hook for name, hook in vars(hooks).items() if isinstance(hook, hooks.Hook)}
    assert answered and all(hook.connected for hook in answered.values())
    assert hooks.allocation_for_slip._answer is collection.allocation_for_slip
    assert hooks.check_slip_room._answer is collection.check_room
    assert hooks.order_price._answer is collection.order_price
    assert hooks.slip_collected._answer is collection.slip_collected
