"""Counting the round trips of a database method."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def recorded(db: Any) -> list[str]:
    """A list that fills, from now on, with the first word of every
    statement ``db`` sends (``SELECT``, ``INSERT``...), BEGIN left out."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str,
               *_args: Any) -> None:
        word = statement.split()[0].upper()
        if word != 'BEGIN':
            sent.append(word)

    sa.event.listen(db.engine, 'before_cursor_execute', record)
    return sent
