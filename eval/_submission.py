"""Submission metadata of a leaderboard entry: validation and the baseline mark.

Every field ends up in LEADERBOARD.md or decides how a row is read, so each
is checked where it is given (``leaderboard add``) and again by
``leaderboard check``:

- ``name``: one line of printable text (it is escaped when rendered);
- ``url``: an http(s) URL with a host; a project baseline may instead link its
  model card in the repository (``baselines/trained/<model>.md``);
- ``date``: an ISO date (YYYY-MM-DD) that exists and is not in the future;
- ``baseline``: only for the project's own shipped models. ``add`` checks that
  the result's model file is a file of ``baselines/trained/`` with the same
  SHA-256 and that re-running that file gives the stored predictions;
  ``check`` repeats the cheap half (the SHA-256) for every entry. A baseline
  entry is named after its model file (``majority`` for ``majority.pkl``), so
  the generated README tables find it. This keeps the mark verifiable without
  trusting whoever ran ``add``: only the shipped bytes and their own output
  qualify, and retraining the baselines without refreshing their entries makes
  ``check`` fail.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date as _date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from denialbench._errors import InputError

__all__ = ["REQUIRED_META", "check_meta", "shipped_baseline", "verify_baseline_predictions"]

#: Submission metadata every entry needs (``parameters`` may be null: unknown).
REQUIRED_META = ("name", "authors", "url", "extra_training_data", "test_unseen")
#: The `leaderboard add` flag of each metadata field whose flag is not its name.
_META_FLAGS = {"extra_training_data": "--extra-data or --no-extra-data"}
_MAX_NAME = 80
# Characters that end a URL in Markdown or HTML, or let it escape its cell.
_URL_BREAKERS = set('<>"`|\\{}^')
_MODEL_SUFFIXES = (".pkl", ".skops")


def _one_line(field: str, value: str, limit: int | None = None) -> str:
    bad = next((c for c in value if unicodedata.category(c)[0] == "C"), None)
    if bad is not None:
        raise InputError(
            f"'{field}' must be one line of printable text (got {value!r}, which holds "
            f"{bad!r}); remove line breaks and control characters"
        )
    if not value.strip():
        raise InputError(f"'{field}' must not be blank (got {value!r})")
    if limit is not None and len(value) > limit:
        raise InputError(f"'{field}' must be at most {limit} characters (got {len(value)})")
    return value.strip()


def _check_date(value: Any) -> str:
    text = str(value)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        day = _date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"'date' must be a date that exists, as YYYY-MM-DD (got {text!r}); e.g. "
            f"{_date.today().isoformat()}"
        ) from None
    if day > _date.today():
        raise InputError(
            f"'date' must not be in the future (got {text}, today is {_date.today().isoformat()})"
        )
    return text


def _baseline_card(model_path: str | None) -> str | None:
    """The repository path of a shipped baseline's model card, e.g. baselines/trained/x.md."""
    if not model_path:
        return None
    return f"baselines/trained/{Path(model_path).stem}.md"


def _check_url(url: str, *, baseline: bool, model_path: str | None) -> str:
    url = _one_line("url", url)
    if baseline and url == _baseline_card(model_path):
        return url
    parts = urlsplit(url)
    bad = sorted({c for c in url if c in _URL_BREAKERS or c.isspace()})
    if parts.scheme not in ("http", "https") or not parts.hostname or bad:
        why = f"it holds {''.join(bad)!r}" if bad else "it needs http:// or https:// and a host"
        raise InputError(
            f"'url' must be an http(s) URL with a host (got {url!r}: {why}); "
            "e.g. --url https://arxiv.org/abs/2501.00001"
        )
    return url


def check_meta(meta: dict[str, Any], model: dict[str, Any] | None = None) -> dict[str, Any]:
    """The validated submission record for ``meta``; ``model`` is the result's model block."""
    missing = [k for k in REQUIRED_META if meta.get(k) in (None, "")]
    if missing:
        flags = ", ".join(_META_FLAGS.get(k, "--" + k.replace("_", "-")) for k in missing)
        raise InputError(f"submission is missing {', '.join(missing)}; give {flags}")
    if meta["test_unseen"] is not True:
        raise InputError(
            "a submission must state that the test split was not used for training or tuning "
            "(--test-unseen)"
        )
    parameters = meta.get("parameters")
    if parameters is not None and (
        isinstance(parameters, bool) or not isinstance(parameters, int) or parameters < 0
    ):
        raise InputError(f"'parameters' must be a count >= 0 (got {parameters!r})")
    baseline = meta.get("baseline", False)
    if not isinstance(baseline, bool):
        raise InputError(f"'baseline' must be true or false (got {baseline!r})")
    model_path = (model or {}).get("path")
    name = _one_line("name", str(meta["name"]), _MAX_NAME)
    if baseline and model_path and name != Path(model_path).stem:
        raise InputError(
            f"a baseline entry is named after its model file: --name {Path(model_path).stem} "
            f"(got {name!r})"
        )
    return {
        "name": name,
        "authors": _one_line("authors", str(meta["authors"]), 500),
        "url": _check_url(str(meta["url"]), baseline=baseline, model_path=model_path),
        "parameters": parameters,
        "extra_training_data": bool(meta["extra_training_data"]),
        "test_unseen": True,
        "baseline": baseline,
        "date": _check_date(meta["date"]) if meta.get("date") else _date.today().isoformat(),
    }


def trained_folder() -> Path:
    """Where the installed package keeps the shipped baseline model files."""
    return Path(str(resources.files("denialbench.baselines") / "trained"))


def shipped_baseline(model: dict[str, Any], where: str) -> Path:
    """The shipped model file a baseline entry was scored with; raise unless it matches.

    The entry's model block must name a ``.pkl``/``.skops`` file or a
    checkpoint folder of ``baselines/trained/`` whose SHA-256 equals the stored
    one (a folder's covers all its files).
    """
    from denialbench.corpus._io import sha256_file
    from denialbench.eval._hf_folder import folder_sha256

    name = model.get("path") or ""
    path = trained_folder() / name
    how = (
        "--baseline is for the project's shipped baselines: evaluate a file of "
        "baselines/trained/ (tools/refresh_baselines.py), or leave out --baseline"
    )
    is_folder = model.get("kind") == "checkpoint"
    if (
        model.get("kind") not in ("pickle", "skops", "checkpoint")
        or not name
        or Path(name).name != name
        or not (path.is_dir() if is_folder else name.endswith(_MODEL_SUFFIXES) and path.is_file())
    ):
        raise InputError(
            f"{where}: marked as a baseline, but its model ({model.get('kind')} "
            f"{name or None!r}) is not a model file shipped in baselines/trained/; {how}"
        )
    if (folder_sha256(path) if is_folder else sha256_file(path)) != model.get("sha256"):
        raise InputError(
            f"{where}: marked as a baseline, but baselines/trained/{name} has another SHA-256 "
            f"than the scored file (the baselines were retrained or the file differs); {how}"
        )
    return path


def verify_baseline_predictions(content: dict[str, Any], where: str, split: str) -> None:
    """Re-run the shipped model of a baseline entry and compare its predictions.

    Labels must match exactly; probabilities to 1e-6, which absorbs the last-bit
    differences of another BLAS but not a changed prediction.
    """
    from denialbench.corpus._schema import LABELS
    from denialbench.eval._data import load_eval_data
    from denialbench.eval._evaluate import predict_any

    path = shipped_baseline(content["model"], where)
    data = load_eval_data(split)
    pred, proba, _ = predict_any(path, data)
    stored = {p["id"]: p for p in content["predictions"]}
    ids = data.id_array().tolist()
    names = np.asarray(LABELS, dtype=object)[pred]
    differ = [i for i, label in zip(ids, names, strict=True) if stored[i]["label"] != label]
    if not differ and proba is not None:
        if not all("proba" in stored[i] for i in ids):
            differ = ["(probabilities missing)"]
        else:
            kept = np.array([stored[i]["proba"] for i in ids], dtype=np.float64)
            far = np.flatnonzero(np.abs(kept - proba).max(axis=1) > 1e-6)
            differ = [ids[i] for i in far]
    if differ:
        raise InputError(
            f"{where}: marked as a baseline, but re-running baselines/trained/{path.name} gives "
            f"other predictions for {len(differ)} item(s), e.g. {differ[:3]}; a baseline entry "
            "must be the shipped model's own output"
        )
