"""How entries are stored: the JSON of their text lists is json.dumps's, byte for byte."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from precert.store.entries import texts_json


@given(st.lists(st.text()).map(tuple))
def test_text_lists_are_stored_as_json_dumps_writes_them(texts: tuple[str, ...]) -> None:
    assert texts_json(texts) == json.dumps(texts)
    assert json.loads(texts_json(texts)) == list(texts)
