"""The result object of an evaluation, and its versioned JSON file.

The file carries everything needed to recompute every figure: the package
and corpus versions, the SHA-256 of the evaluated data and of the model
file, the arguments and seed, the metrics with CIs, the slices, and the
per-item gold labels, predictions and probabilities.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from denialbench._errors import InputError

__all__ = ["RESULT_SCHEMA_VERSION", "EvaluationResult", "result_schema"]

#: 2 (package 0.1.0 onwards): a slice whose gold labels are all one class
#: carries ``gold_label`` and ``accuracy_score`` only, and results on external
#: tasks carry ``data.kind`` "task" with the ``task`` and ``timing`` objects.
#: Version 1 files stay readable; their extra slice figures are reported as
#: stale by the leaderboard and dropped by ``denialbench leaderboard rescore``.
RESULT_SCHEMA_VERSION = 2


@functools.cache
def result_schema() -> dict[str, Any]:
    text = (resources.files("denialbench.eval") / "result.schema.json").read_text("utf-8")
    return json.loads(text)


class EvaluationResult:
    """What :func:`denialbench.eval.evaluate` returns.

    ``content`` is the JSON-ready dict; the properties are shortcuts into it.
    ``predictions`` may be given as a function that builds the per-item list,
    so a run that only prints a summary never pays for a million dicts.
    """

    def __init__(
        self,
        content: dict[str, Any],
        predictions: Callable[[], list[dict[str, Any]]] | None = None,
        data: Any = None,
    ) -> None:
        self._content = content
        self._build_predictions = predictions
        #: the evaluated EvalData (texts included) when this run scored it; None when loaded
        self.data = data

    @property
    def content(self) -> dict[str, Any]:
        if self._build_predictions is not None:
            self._content["predictions"] = self._build_predictions()
            self._build_predictions = None
        return self._content

    @property
    def scores(self) -> dict[str, Any]:
        """Everything but the per-item predictions (never builds them)."""
        return {k: v for k, v in self._content.items() if k != "predictions"}

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        return self._content["metrics"]

    @property
    def macro_f1(self) -> float:
        return self._content["metrics"]["macro_f1_score"]["value"]

    @property
    def slices(self) -> dict[str, Any]:
        return self._content["slices"]

    @property
    def predictions(self) -> list[dict[str, Any]]:
        return self.content["predictions"]

    def to_dict(self) -> dict[str, Any]:
        return self.content

    def to_json(self) -> str:
        return json.dumps(self.content, indent=1, ensure_ascii=False, allow_nan=True) + "\n"

    def save(self, path: Path | str) -> None:
        """Write the result JSON atomically."""
        from denialbench.corpus._io import atomic_write_text

        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: Path | str) -> EvaluationResult:
        """Read and schema-check a result file."""
        path = Path(path)
        try:
            content = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(
                f"{path}: is a folder; give the results JSON from `denialbench evaluate --out`"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not a results JSON file ({exc})") from None
        if isinstance(content, dict) and {"submission", "result"} <= content.keys():
            raise InputError(
                f"{path}: this is a leaderboard entry, not a results file; give the results JSON "
                "written by `denialbench evaluate --out` (the entry's 'result' field holds it)"
            )
        check_result(content, str(path))
        return cls(content)


def check_result(content: Any, where: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(result_schema())
    error = next(iter(sorted(validator.iter_errors(content), key=lambda e: list(e.path))), None)
    if error is not None:
        field = "/".join(str(p) for p in error.path) or "(top level)"
        raise InputError(
            f"{where}: field {field!r} {error.message}; write the file with "
            "`denialbench evaluate --out`"
        )
