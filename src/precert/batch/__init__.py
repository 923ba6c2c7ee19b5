"""Batch screening of order and claim files: every row back, in order, with precert's answer."""

from __future__ import annotations

from precert.batch.answers import AnswerTable, answer_for
from precert.batch.job import ENGINES, rejects_path, screen
from precert.batch.summary import Summary
from precert.columns import ANSWER_COLUMNS

__all__ = [
    "ANSWER_COLUMNS",
    "ENGINES",
    "AnswerTable",
    "Summary",
    "answer_for",
    "rejects_path",
    "screen",
]
