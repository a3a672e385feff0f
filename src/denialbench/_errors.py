"""The one exception hierarchy of DenialBench.

::

    DenialBenchError
    ├── InputError                 bad input from the user: exit code 2
    │   ├── RecordError            a corpus/data row breaks the record schema
    │   ├── PredictionsFileError   a predictions file is malformed
    │   ├── UnsafeModelError       a model file was refused by the safe loader
    │   └── ModelBehaviourError    a model's predict/predict_proba misbehaved
    │       └── ModelProcessError  the sandboxed model process was killed, crashed or timed out
    └── CheckFailed                a check ran and found problems: exit code 1
        ├── CorpusCheckFailed      `corpus validate` found violations
        └── VerificationFailed     a leaderboard entry or board does not verify

The CLI maps the two branches to exit codes 2 and 1 and prints the message,
never a traceback. Each message names the file, line or field, and the fix.

Input that can be scored but looks wrong (a predictions file whose labels
contradict its own probabilities) is a :class:`DenialBenchWarning`; the CLI
prints it as ``warning: ...`` and goes on.
"""

from __future__ import annotations

__all__ = [
    "CheckFailed",
    "CorpusCheckFailed",
    "DenialBenchError",
    "DenialBenchWarning",
    "InputError",
    "ModelBehaviourError",
    "ModelProcessError",
    "PredictionsFileError",
    "RecordError",
    "UnsafeModelError",
    "VerificationFailed",
]


class DenialBenchError(Exception):
    """Base of every error DenialBench raises on purpose."""

    exit_code = 1


class InputError(DenialBenchError):
    """The user gave a file, argument or model that cannot be used."""

    exit_code = 2


class RecordError(InputError):
    """A row of a corpus-schema file is invalid."""


class PredictionsFileError(InputError):
    """A predictions file is malformed (missing ids, bad labels, encoding...)."""


class UnsafeModelError(InputError):
    """A model file holds types or globals the safe loader will not load."""


class ModelBehaviourError(InputError):
    """A model loaded but its predictions cannot be scored."""


class ModelProcessError(ModelBehaviourError):
    """The sandboxed process running a model file hit a limit, crashed or broke protocol.

    The message names what happened (CPU, memory or wall-clock limit, the
    signal) and the option that raises the limit.
    """


class CheckFailed(DenialBenchError):
    """A check ran to completion and found problems.

    ``problems`` holds one human-readable line per problem.
    """

    exit_code = 1

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class CorpusCheckFailed(CheckFailed):
    """`corpus validate` found schema, leakage, duplicate or quota violations."""


class VerificationFailed(CheckFailed):
    """A leaderboard entry does not re-verify, or LEADERBOARD.md is stale."""


class DenialBenchWarning(UserWarning):
    """Input that can be scored but that a careful user would want to look at."""
