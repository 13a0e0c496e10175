"""Brightway's output goes to a log file in the data directory, never to the terminal.

bw2data logs feedback ("Using environment variable BRIGHTWAY2_DIR …", "Not able to
determine geocollections …") through a logger bound to stdout, draws tqdm bars on
stderr whenever it writes a database, and bw2calc warns at import that pypardiso is
not installed (Tanji solves with SciPy on purpose: ``bench/bench_lca.py``). Tanji's
stdout carries results (``--json``) and its stderr Tanji's own messages and progress
bars, so everything Brightway says is appended to
``<data dir>/brightway/logs/brightway.log`` instead (:data:`LOG_NAME`).

:func:`brightway_output` is the one way in: every call into Brightway (the first
import of ``bw2data`` and ``bw2calc`` included) runs inside it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["LOG_NAME", "brightway_output", "log_path"]

LOG_NAME = "brightway.log"
# bw2data's feedback logger when structlog is switched off (bw2data/logs.py)
_FEEDBACK_LOGGER = "brightway-stdout-feedback"


class _AppendingLog(io.TextIOBase):
    """A text stream that appends each write to the current log file (opened per write).

    Libraries bind streams once (a logging handler, a structlog printer), so the stream
    handed to them must outlive any one block and follow the data directory in use.
    """

    def __init__(self) -> None:
        super().__init__()
        self.path: Path | None = None
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text and self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as f:
                f.write(text)
        return len(text)


_LOG = _AppendingLog()


def log_path(brightway_dir: Path) -> Path:
    """Where Brightway's output of the project under ``brightway_dir`` is kept."""
    return brightway_dir / "logs" / LOG_NAME


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    _LOG.write(warnings.formatwarning(message, category, filename, lineno, line))


def _route_feedback_logger() -> None:
    logger = logging.getLogger(_FEEDBACK_LOGGER)
    if any(getattr(h, "stream", None) is _LOG for h in logger.handlers):
        return
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(_LOG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


@contextlib.contextmanager
def brightway_output(brightway_dir: Path) -> Iterator[None]:
    """Inside the block, stdout, stderr, warnings and Brightway's logger write to :func:`log_path`.

    Precondition: ``brightway_dir`` is the project directory (created if needed). Before
    ``bw2data`` is first imported this also selects its plain ``logging`` feedback
    (``BRIGHTWAY_NO_STRUCTLOG``), whose handler is then pointed at the log file.
    """
    path = log_path(Path(brightway_dir))
    path.parent.mkdir(parents=True, exist_ok=True)
    if "bw2data" not in sys.modules:
        os.environ.setdefault("BRIGHTWAY_NO_STRUCTLOG", "1")
    _LOG.path = path  # kept after the block: the logger writes to the newest project's log
    stream: TextIO = _LOG  # type: ignore[assignment]  # a TextIOBase is a text stream
    try:
        with (
            contextlib.redirect_stdout(stream),
            contextlib.redirect_stderr(stream),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("always")
            warnings.showwarning = _show_warning
            yield
    finally:
        if "bw2data" in sys.modules:
            _route_feedback_logger()
