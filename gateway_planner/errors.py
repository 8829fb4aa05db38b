"""One error hierarchy for gateway-planner.

Every error raised on purpose by the package derives from :class:`GatewayPlannerError`, and the
concrete classes also derive from the matching builtin, so callers may catch either
``InputError`` or ``ValueError``. Messages name the file, the field and the fix.

The CLI turns a :class:`GatewayPlannerError` into a one-line message on stderr and exit code 2
(input problems) or 3 (network / solver problems).
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "GatewayPlannerError",
    "GatewayPlannerWarning",
    "InfeasibleError",
    "InputError",
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
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text = f"{text.rstrip('.')}. Fix: {self.fix}"
        # one line, always: the CLI prints it as is
        return " ".join(text.split())


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
