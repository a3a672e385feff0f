"""DenialBench: a dataset and benchmark for denial detection.

The work lives in three subpackages, imported on demand so that
``import denialbench`` and ``denialbench --help`` stay fast:

- :mod:`denialbench.corpus`: the corpus, its loader, checks and statistics;
- :mod:`denialbench.baselines`: baseline model factories and training;
- :mod:`denialbench.eval`: safe model loading, metrics, reports, leaderboard.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from denialbench._errors import (
    CheckFailed,
    CorpusCheckFailed,
    DenialBenchError,
    InputError,
    ModelBehaviourError,
    PredictionsFileError,
    RecordError,
    UnsafeModelError,
    VerificationFailed,
)

try:
    __version__ = version("denialbench")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "CheckFailed",
    "CorpusCheckFailed",
    "DenialBenchError",
    "InputError",
    "ModelBehaviourError",
    "PredictionsFileError",
    "RecordError",
    "UnsafeModelError",
    "VerificationFailed",
    "__version__",
]
