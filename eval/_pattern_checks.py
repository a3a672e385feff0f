"""Which regular expressions a model file may hand to :mod:`re` at predict time.

A vectorizer's ``token_pattern`` is compiled and run over every text. A
pattern that backtracks catastrophically hangs the evaluation on ordinary
text, so a pattern is accepted only inside a small grammar, decided on the
parse tree that :mod:`re` itself builds (``re._parser``), without compiling
or running it:

- no backreferences, lookarounds, conditionals or atomic groups;
- no nested repetition: a repeat that may run more than once never holds
  another such repeat, the shape of ``(a+)+``;
- no alternation inside a repeat that may run more than once, the shape of
  ``(a|ab)*``;
- at most two wide repeats one after the other in any sequence, so the
  matching cost from one start position is at most quadratic in the text.

Exponential backtracking needs one of the first three shapes; the last
bounds the polynomial kind (``.*.*.*.*x``). scikit-learn's default pattern and
the project's own tokenizer pattern are inside the grammar.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["DEFAULT_TOKEN_PATTERN", "MAX_PATTERN_LENGTH", "pattern_problem"]

#: scikit-learn's default ``token_pattern``.
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
MAX_PATTERN_LENGTH = 256
_WIDE = 32
_MAX_DEGREE = 2

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c
    import sre_parse as _sre_parse

_REFUSED_OPS = {
    _c.GROUPREF: "a backreference",
    _c.GROUPREF_EXISTS: "a conditional group",
    _c.ASSERT: "a lookaround",
    _c.ASSERT_NOT: "a lookaround",
}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None)


class _Refused(Exception):
    pass


def _repeats_inside(items: Any) -> bool:
    """Whether a sequence holds a repeat that may run more than once."""
    for op, arg in items:
        if op in _REPEATS and arg[1] > 1:
            return True
        if op is _c.SUBPATTERN and _repeats_inside(arg[-1]):
            return True
        if op is _c.BRANCH and any(_repeats_inside(branch) for branch in arg[1]):
            return True
    return False


def _branches_inside(items: Any) -> bool:
    """Whether a sequence holds an alternation, at any depth."""
    for op, arg in items:
        if op is _c.BRANCH:
            return True
        if op is _c.SUBPATTERN and _branches_inside(arg[-1]):
            return True
    return False


def _degree(items: Any) -> int:
    """Wide repeats that can follow one another in this sequence."""
    total = 0
    for op, arg in items:
        if op in _REFUSED_OPS:
            raise _Refused(_REFUSED_OPS[op])
        if op is _ATOMIC or op is _POSSESSIVE:
            raise _Refused("an atomic group or possessive repeat")
        if op in _REPEATS:
            _low, high, body = arg
            inner = _degree(body)
            if high > 1 and _repeats_inside(body):
                raise _Refused("a repeat inside a repeat (nested quantifiers)")
            wide = high > _WIDE
            if high > 1 and _branches_inside(body):
                raise _Refused("an alternation inside a repeat")
            total += 1 if wide else inner
        elif op is _c.SUBPATTERN:
            total += _degree(arg[-1])
        elif op is _c.BRANCH:
            total += max(_degree(branch) for branch in arg[1])
    if total > _MAX_DEGREE:
        raise _Refused(f"more than {_MAX_DEGREE} unbounded repeats in a row")
    return total


def pattern_problem(pattern: Any) -> str:
    """Why ``pattern`` may not be used as a token pattern ('' when it may)."""
    if not isinstance(pattern, str):
        return f"a {type(pattern).__name__} where a pattern string belongs"
    if pattern == DEFAULT_TOKEN_PATTERN:
        return ""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern longer than {MAX_PATTERN_LENGTH} characters"
    try:
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return "not a valid regular expression"
    try:
        _degree(parsed)
    except _Refused as exc:
        return f"a pattern with {exc} (it could backtrack catastrophically)"
    except RecursionError:
        return "a pattern nested too deeply"
    return ""
