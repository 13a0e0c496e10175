"""``tanji apply FILE.jsonl --keys DIR``: sign and append entries from JSON Lines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    errors_to_exit,
    open_ledger,
    passphrase,
)
from ledger.store.apply import MAX_LINE_BYTES, KeyDirectory, apply_file


def apply(
    file: Annotated[
        Path, typer.Argument(help='JSON Lines: {"actor","kind","payload"[,"client_id"]} per line.')
    ],
    keys: Annotated[Path, typer.Option("--keys", help="Directory of actor keys (<actor>.pem).")],
    batch_size: Annotated[int, typer.Option(help="Lines per atomic append (1 to 100,000).")] = 1000,
    max_line_bytes: Annotated[
        int, typer.Option(help="Refuse a line longer than this many bytes before reading the rest.")
    ] = MAX_LINE_BYTES,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign each line with its actor's key and append; a failure names the line and the rule.

    Refused with a named error, nothing appended: a missing file, a line over the byte limit
    (refused before the rest is read), bytes that are not UTF-8, JSON nested too deep, and
    bad options (``apply.bad_option``).
    """
    with errors_to_exit(as_json):
        report = apply_file(
            open_ledger(db, home, write=True),
            file,
            KeyDirectory(keys, passphrase()),
            batch_size=batch_size,
            max_line_bytes=max_line_bytes,
        )
    emit(
        report.to_json(),
        as_json,
        f"{report.lines} lines: {report.appended} appended, {report.duplicates} already in the log"
        + ("" if report.first_seq is None else f" (seq {report.first_seq}..{report.last_seq})"),
    )
