"""The ranking's reading of a CMS description (pure): which words name the thing described."""

from __future__ import annotations

from precert.ranking import OWN, field


def head(text: str) -> tuple[str, ...]:
    f = field(text, OWN)
    return f.words[: f.head]


def test_the_head_is_the_name_before_used_with_for_or_a_comma() -> None:
    assert head("Full face mask used with positive airway pressure device, each") == (
        "full",
        "face",
        "mask",
    )
    assert head("Hospital bed, fixed height, without side rails") == ("hospital", "bed")
    assert head("Replacement pad for infrared heating pad system, each") == ("replacement", "pad")


def test_an_accessory_or_addition_is_named_after_the_comma() -> None:
    # "Power wheelchair accessory," says what the battery is part of; the battery is the thing.
    battery = "Power wheelchair accessory, group 34 sealed lead acid battery, each"
    assert head(battery)[-1] == "battery"
    assert head("Addition to lower extremity, below knee, drop lock knee")[-1] == "knee"
    assert head("Replacement, tip, cane, crutch, walker, each.") == ("replacement", "tip")
