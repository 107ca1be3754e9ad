"""A one-line progress bar for long commands: `label  [#####.....]  5123/10251`.

It draws on a terminal only (stderr by default), so logs and pipes stay clean, unless
`force=True`.
"""

import sys
import time
from types import TracebackType
from typing import TextIO


class Progress:
    """Counts work done out of `total` and redraws the bar in place as it advances.

    with Progress(len(rows), "Importing") as progress:
        for row in rows:
            ...
            progress.advance()
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        stream: TextIO | None = None,
        force: bool = False,
        width: int = 30,
        interval: float = 0.1,
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.interval = interval
        self.done = 0
        self.enabled = force or _is_terminal(self.stream)
        self._drawn_filled = -1
        self._drawn_at = 0.0
        self._finished = False

    def render(self) -> str:
        filled = self.width if self.total == 0 else self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        label = f"{self.label}  " if self.label else ""
        return f"{label}[{bar}]  {self.done}/{self.total}"

    def advance(self, amount: int = 1) -> None:
        self.update(self.done + amount)

    def update(self, done: int) -> None:
        self.done = min(max(done, 0), self.total)
        if not self.enabled:
            return
        filled = self.width if self.total == 0 else self.width * self.done // self.total
        now = time.monotonic()
        due = now - self._drawn_at >= self.interval
        if filled != self._drawn_filled or self.done == self.total or due:
            self._draw(filled, now)

    def finish(self) -> None:
        """Draw the final state and end the line."""
        if self._finished:
            return
        self._finished = True
        if self.enabled:
            self._draw(-1, time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, filled: int, now: float) -> None:
        self.stream.write("\r" + self.render())
        self.stream.flush()
        self._drawn_filled = filled
        self._drawn_at = now

    def __enter__(self) -> "Progress":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finish()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
