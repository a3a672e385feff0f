"""DenialBench: a dataset and benchmark for denial detection.

The work lives in three subpackages, imported on demand so that
``import denialbench`` and ``denialbench --help`` stay fast:

- :mod:`denialbench.corpus`: the corpus, its loader, checks and statistics;
- :mod:`denialbench.baselines`: baseline model factories and training;
- :mod:`denialbench.eval`: safe model loading, metrics, reports, leaderboard.
"""

from __future__ import annotations

from denialbench._errors import (
    CheckFailed,
    CorpusCheckFailed,
    DenialBenchError,
    DenialBenchWarning,
    InputError,
    ModelBehaviourError,
    ModelProcessError,
    PredictionsFileError,
    RecordError,
    UnsafeModelError,
    VerificationFailed,
)


def __getattr__(name: str) -> str:
    # importlib.metadata is slow to import; only callers that ask pay for it
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("denialbench")
        except PackageNotFoundError:  # a checkout that was never installed
            return "0.0.0+unknown"
    raise AttributeError(f"module 'denialbench' has no attribute {name!r}")


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
    "__version__",
]
