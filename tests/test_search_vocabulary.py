"""The staff vocabulary (src/precert/data/synonyms.toml) points only at words CMS uses."""

from __future__ import annotations

import tomllib

from precert.readers.hcpcs import read_hcpcs
from precert.searching import SYNONYMS, load_vocabulary, read_plain_toml
from precert.service import BUNDLED_HCPCS
from precert.spelling import acronym, normalize, split_compound


def test_every_target_phrase_has_its_words_together_in_one_cms_description() -> None:
    cms = read_hcpcs(BUNDLED_HCPCS)
    descriptions = [
        set(normalize(r.long_description)) | set(normalize(r.short_description))
        for r in cms.codes.values()
    ]
    every_word = set().union(*descriptions)
    raw = tomllib.loads(SYNONYMS.read_text(encoding="utf-8"))
    assert isinstance(raw["version"], int) and raw["terms"]
    missing = []
    for key, targets in raw["terms"].items():
        assert targets, f"{key!r} has no target"
        for target in targets:
            words = set(normalize(target))
            absent = words - every_word
            if absent or not any(words <= d for d in descriptions):
                missing.append(f"{key!r} -> {target!r} (absent: {sorted(absent)})")
    assert not missing, missing


def test_the_vocabulary_loads_with_normalized_keys() -> None:
    vocabulary = load_vocabulary()
    assert vocabulary.version >= 1
    assert vocabulary.terms[("hoyer", "lift")][-1] == ("patient", "lift")
    # Plurals and little words do not matter in keys: "walker with wheels" is one key.
    assert ("walker", "wheel") in vocabulary.terms
    assert vocabulary.longest >= 3


def test_a_word_is_split_only_into_two_words_of_the_code_set() -> None:
    counts = {"bed": 300, "pan": 3, "bedp": 0, "wheel": 40, "chair": 90}

    def lookup(words: set[str]) -> dict[str, int]:
        return {w: counts[w] for w in words if counts.get(w)}

    assert split_compound("bedpan", lookup) == ("bed", "pan")
    assert split_compound("wheelchair", lookup) == ("wheel", "chair")
    assert split_compound("bedxyz", lookup) is None
    assert split_compound("bedpa", lookup) is None  # too short to split


def test_an_acronym_is_read_from_the_phrase_cms_spells_it_with_most_often() -> None:
    descriptions = [r.long_description for r in read_hcpcs(BUNDLED_HCPCS).codes.values()]
    assert acronym("hfcwo", descriptions) == ("high", "frequency", "chest", "wall", "oscillation")
    assert acronym("sgd", descriptions) == ("speech", "generating", "device")
    # "elevating leg rest" and "elevating leg rests": one phrase once singular.
    assert acronym("elr", descriptions) == ("elevating", "leg", "rest")
    # No phrase stands out, or only little words spell it: no acronym.
    assert acronym("zzq", descriptions) is None
    assert acronym("ao", ["used with any or all", "and or"]) is None


def test_the_vocabulary_is_read_without_tomllib_exactly_as_tomllib_reads_it() -> None:
    text = SYNONYMS.read_text(encoding="utf-8")
    assert read_plain_toml(text) == tomllib.loads(text)
    # TOML that is not also JSON per value is left to tomllib (None), never misread.
    for other in (
        "updated = 2026-12-04",  # a TOML date
        '"cane" = ["cane",]',  # a trailing comma
        "'cane' = ['cane']",  # literal strings
        '"cane" = ["cane"]  # a comment after the value',
        '"cane" = ["cane"]\n"cane" = ["stick"]',  # a key twice
        '"cane" = ["cane",',  # an array never closed
    ):
        assert read_plain_toml(other) is None, other
    runs_on = '[terms]\n"walker" = ["walker",\n    "rollator"]\nversion = 3'
    assert read_plain_toml(runs_on) == tomllib.loads(runs_on)
