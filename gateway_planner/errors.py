"""One error hierarchy for gateway-planner.

Every error raised on purpose by the package derives from :class:`GatewayPlannerError`, and the
concrete classes also derive from the matching builtin, so callers may catch either
``InputError`` or ``ValueError``. Messages name the file, the field and the fix.

The CLI turns a :class:`GatewayPlannerError` into a one-line message on stderr and exit code 2
(input problems) or 3 (network / solver problems).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike

__all__ = [
    "GatewayPlannerError",
    "GatewayPlannerWarning",
    "InfeasibleError",
    "InputError",
    "InputProblem",
    "NetworkError",
    "SolverError",
]


class GatewayPlannerError(Exception):
    """Base class of every error gateway-planner raises on purpose."""

    exit_code: int = 2


class InputError(ValueError, GatewayPlannerError):
    """Bad input: a file, a field or a value the planner must fix.

    Parameters
    ----------
    message
        What is wrong, with the offending numbers.
    file
        The file that holds the bad value, if any.
    field
        The field, column or key at fault, if any.
    fix
        How to fix it, as an instruction ("set p to 0 or more").

    Attributes
    ----------
    problems
        Every problem reported (one, unless built by :meth:`from_problems`).
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | PathLike[str] | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.field = field
        self.fix = fix
        self.problems: tuple[InputProblem, ...] = (InputProblem(field, message, fix),)
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text = f"{text.rstrip('.')}. Fix: {self.fix}"
        # one line, always: the CLI prints it as is
        return " ".join(text.split())

    @classmethod
    def from_problems(
        cls, problems: Sequence[InputProblem], *, file: str | PathLike[str] | None = None
    ) -> InputError:
        """Build one error that reports every problem found in a file at once.

        Parameters
        ----------
        problems
            What is wrong, one entry per field (at least one).
        file
            The file they were found in, if any.

        Returns
        -------
        InputError
            With one problem, the usual ``file: field: message. Fix: fix``; with several,
            ``file: N problems: (1) field: message. Fix: fix; (2) ...`` on one line, ``field`` and
            ``fix`` taken from the first problem.
        """
        if not problems:
            msg = "from_problems needs at least one problem"
            raise ValueError(msg)
        first = problems[0]
        if len(problems) == 1:
            return cls(first.message, file=file, field=first.field, fix=first.fix)
        parts = [f"({i}) {p.render()}" for i, p in enumerate(problems, start=1)]
        message = f"{len(problems)} problems: " + "; ".join(parts)
        error = cls(message, file=file)
        error.field, error.fix = first.field, first.fix
        error.problems = tuple(problems)
        return error


@dataclass(frozen=True)
class InputProblem:
    """One problem of an input, among several reported together by :meth:`InputError.from_problems`.

    Parameters
    ----------
    field
        The field, column or key at fault.
    message
        What is wrong.
    fix
        How to fix it.
    """

    field: str | None
    message: str
    fix: str | None = None

    def render(self) -> str:
        """Return ``field: message. Fix: fix`` on one line."""
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text.rstrip('.')}. Fix: {self.fix}" if self.fix else text


class NetworkError(GatewayPlannerError):
    """The travel network cannot be built, read or downloaded."""

    exit_code = 3


class SolverError(RuntimeError, GatewayPlannerError):
    """The optimisation solver failed or returned an unusable status."""

    exit_code = 3


class InfeasibleError(SolverError):
    """The location problem has no feasible solution (for example a coverage target too high)."""


class GatewayPlannerWarning(UserWarning):
    """Warnings about data quality or results (unreachable cells, dropped rows, assumed data)."""
