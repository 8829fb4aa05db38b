"""TOML files validated by pydantic models: read, validate, and report every problem at once.

Every TOML file the package reads (scenarios, customer groups, the pilot's ``area.toml`` and
proxy-network parameters) goes through :func:`read_toml` and :func:`validate`, so a bad file gets
one line that names the file and, for each problem, the field and the fix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, InputProblem

__all__ = ["read_toml", "translate", "validate"]

Model = TypeVar("Model", bound=BaseModel)

#: fixes by pydantic error type
_FIXES = {
    "extra_forbidden": "remove it (check the spelling against the README's reference)",
    "missing": "add it",
    "greater_than_equal": "use a larger number",
    "greater_than": "use a larger number",
    "less_than": "use a smaller number",
    "less_than_equal": "use a smaller number",
    "literal_error": "use one of the allowed values",
    "string_pattern_mismatch": "use letters, digits, '-', '_' or '.' only",
    "int_type": "use a whole number",
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
    "float_type": "use a number",
    "float_parsing": "use a number",
    "finite_number": "use a finite number",
    "bool_type": "use true or false",
    "bool_parsing": "use true or false",
    "string_type": "use a text in quotes",
    "dict_type": "write a table, e.g. key = { a = 1 }",
    "list_type": "write a list, e.g. [1, 2]",
    "too_short": "give at least one value",
}


def read_toml(path: str | Path, *, what: str = "file", fix: str | None = None) -> dict[str, Any]:
    """Read a TOML file into plain data.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message when it is missing (``"scenario file"``).
    fix
        The fix to suggest when the file is missing or not TOML (a generic one when None).

    Returns
    -------
    dict
        The parsed tables.

    Raises
    ------
    InputError
        When the file is missing, a folder, not UTF-8 text or not valid TOML.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{what} not found"
        raise InputError(
            msg,
            file=path,
            fix=fix or "check the path (relative paths are read from the scenario's folder)",
        ) from None
    except IsADirectoryError:
        msg = f"is a folder, not a {what}"
        raise InputError(msg, file=path, fix=fix or "name a .toml file") from None
    except UnicodeDecodeError as exc:
        msg = f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise InputError(msg, file=path, fix="save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"not valid TOML ({exc})"
        raise InputError(msg, file=path, fix=fix or "correct the TOML syntax") from None


def _field(loc: tuple[Any, ...], prefix: str) -> str:
    parts = [str(x) if not isinstance(x, int) else f"[{x}]" for x in loc if x != "[key]"]
    text = ".".join(parts).replace(".[", "[")
    if prefix and text:
        return f"{prefix}.{text}" if not text.startswith("[") else f"{prefix}{text}"
    return text or prefix or "(top level)"


def _problem(err: Mapping[str, Any], prefix: str, fixes: Mapping[str, str]) -> InputProblem:
    kind = err["type"]
    original = message = str(err["msg"])
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "string_pattern_mismatch":  # the fix says which characters, not a regex
        message = f"holds characters that are not allowed here (got {err.get('input')!r})"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif "input" in err and kind not in {"missing"}:
        message = f"{message} (got {err['input']!r})"
    fix = _FIXES.get(kind, "correct the value")
    ctx = err.get("ctx") or {}
    for key, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            bound = ctx[key]
            shown = f"{bound:g}" if isinstance(bound, (int, float)) else str(bound)
            fix = f"use a number {sign} {shown}"
    if kind == "literal_error" and "expected" in ctx:
        fix = f"use one of {ctx['expected']}"
    for needle, own in fixes.items():
        if needle in message or needle in original:
            fix = own
            break
    return InputProblem(_field(tuple(err["loc"]), prefix), message, fix)


def translate(
    exc: ValidationError,
    *,
    file: str | Path | None,
    prefix: str = "",
    fixes: Mapping[str, str] | None = None,
) -> InputError:
    """Turn every pydantic error into one :class:`InputError` naming file, fields and fixes.

    Parameters
    ----------
    exc
        The validation error.
    file
        The file validated, if any.
    prefix
        Put before each field (the table the model stands for, e.g. ``"group"``).
    fixes
        Fixes of model-specific checks: when a problem's message contains a key, its fix is
        the value (model validators raise ``ValueError`` with a message but no fix).

    Returns
    -------
    InputError
        All problems, in the order pydantic found them.
    """
    problems = [_problem(err, prefix, fixes or {}) for err in exc.errors()]
    return InputError.from_problems(problems, file=file)


def validate(
    model: type[Model],
    data: Any,
    *,
    file: str | Path | None,
    prefix: str = "",
    fixes: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> Model:
    """Validate plain data against a model, reporting every problem at once.

    Parameters
    ----------
    model
        The pydantic model (with ``extra="forbid"``, unknown keys are problems too).
    data
        The parsed file.
    file, prefix, fixes
        As in :func:`translate`.
    context
        Passed to the model's validators.

    Returns
    -------
    pydantic.BaseModel
        The validated model.

    Raises
    ------
    InputError
        Listing every problem, each with its field and fix.
    """
    try:
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        raise translate(exc, file=file, prefix=prefix, fixes=fixes) from None
