"""The task registry: DenialBench's own splits and external stance datasets.

In the spirit of MTEB's ``TaskMetadata``: one entry per task says what files
it reads, how their labels map to DenialBench's, which labels it has, which
score ranks models and which score the original papers report. Everything
else (``denialbench tasks``, ``--task all``, the baselines' transfer table,
the leaderboard's columns) is derived from :data:`TASKS`.

External datasets are never downloaded or copied: their licences do not
allow redistribution. The user points ``--data`` at their own copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._task_files import ReleaseCopy
from denialbench.eval._task_loaders import (
    EMERGENT_FILES,
    FNC1_FILES,
    RUMOUREVAL_KEYS,
    TaskItems,
    read_emergent,
    read_fnc1,
    read_rumoureval2019,
)

__all__ = ["TASKS", "TaskMetadata", "get_task", "task_table", "tasks_markdown"]


@dataclass(frozen=True)
class TaskMetadata:
    """Everything DenialBench knows about a task, in one place.

    Attributes
    ----------
    name, version : str
        ``version`` changes whenever the loader or the mapping changes what
        is scored, so results of different versions are never compared.
    description : str
        One line.
    files : dict
        Split -> the original release files it reads (path tails).
    splits, default_split
        The splits a user may ask for, and the one ``--task`` scores.
    label_mapping : dict
        Native label -> DenialBench label.
    mapping_reasons : str
        Why each native label maps where it does.
    labels : tuple
        The DenialBench labels the task has. Macro-F1 averages over these
        only; a model's answer outside them counts as wrong.
    main_score : str
        The score that ranks models (a key of the result's ``task.scores``).
    native_score : str or None
        The score the dataset's own papers report, computed as
        ``native_score_notes`` explains.
    citation, published : str
        The reference to cite, and where the release is published.
    bundled : bool
        True for DenialBench's own splits (no ``--data`` needed).
    in_all : bool
        Whether ``--task all`` runs it.
    """

    name: str
    version: str
    description: str
    files: Mapping[str, tuple[str, ...]]
    splits: tuple[str, ...]
    default_split: str
    label_mapping: dict[str, str]
    mapping_reasons: str
    labels: tuple[str, ...]
    main_score: str
    native_score: str | None
    native_score_notes: str
    citation: str
    published: str
    reader: Callable[[ReleaseCopy, str], TaskItems] | None = None
    bundled: bool = False
    in_all: bool = True

    def expected_files(self, split: str | None = None) -> str:
        """The files a split needs, for messages."""
        return ", ".join(self.files.get(split or self.default_split, ()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready metadata (``denialbench tasks --json``)."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "files": {k: list(v) for k, v in self.files.items()},
            "splits": list(self.splits),
            "default_split": self.default_split,
            "label_mapping": dict(self.label_mapping),
            "mapping_reasons": self.mapping_reasons,
            "labels": list(self.labels),
            "main_score": self.main_score,
            "native_score": self.native_score,
            "native_score_notes": self.native_score_notes,
            "citation": self.citation,
            "published": self.published,
            "needs_data": not self.bundled and self.name != "pairs",
        }


_DENIALBENCH_CITATION = "DenialBench developers. DenialBench: a benchmark for denial detection."


def _denialbench_task(
    split: str,
    *,
    in_all: bool,
    description: str = "cues stripped on purpose, contrast groups",
) -> TaskMetadata:
    """One of DenialBench's own bundled splits as a task (denialbench:<split>)."""
    return TaskMetadata(
        name=f"denialbench:{split}",
        version="1",
        description=f"DenialBench {split} split: {description}",
        files={split: (f"{split}.jsonl (bundled)",)},
        splits=(split,),
        default_split=split,
        label_mapping={label: label for label in LABELS},
        mapping_reasons="DenialBench's own labels (corpus/GUIDELINES.md).",
        labels=tuple(LABELS),
        main_score="macro_f1_score",
        native_score=None,
        native_score_notes="The main score is the native score.",
        citation=_DENIALBENCH_CITATION,
        published="bundled with the package (corpus/README.md)",
        bundled=True,
        in_all=in_all,
    )


FNC1 = TaskMetadata(
    name="fnc1",
    version="1",
    description="Fake News Challenge stage 1: headline vs article body stance",
    files=FNC1_FILES,
    splits=("train", "test"),
    default_split="test",
    label_mapping={
        "disagree": "deny",
        "agree": "confirm",
        "discuss": "evade",
        "unrelated": "unrelated",
    },
    mapping_reasons=(
        "disagree: the body disputes the headline's claim (deny). agree: the body states "
        "it is true (confirm). discuss: the body reports the claim without taking a "
        "position, the stance DenialBench calls evade (engages, commits to neither). "
        "unrelated: the body is about something else (unrelated)."
    ),
    labels=tuple(LABELS),
    main_score="macro_f1_score",
    native_score="fnc1_relative_score",
    native_score_notes=(
        "The FNC-1 weighted score: 0.25 for every item whose related/unrelated split is "
        "right, 0.75 more for a related item whose class is right; reported as a share of "
        "the maximum for the gold labels (1.0 = perfect). The mapping is one to one, so a "
        "DenialBench prediction is an FNC-1 prediction."
    ),
    citation=(
        "Pomerleau, D. and Rao, D. (2017). Fake News Challenge Stage 1 (FNC-I): Stance "
        "Detection. Analysis: Hanselowski, A. et al. (2018). A Retrospective Analysis of the "
        "Fake News Challenge Stance-Detection Task. COLING 2018."
    ),
    published="https://github.com/FakeNewsChallenge/fnc-1 (http://www.fakenewschallenge.org/)",
    reader=read_fnc1,
)

EMERGENT = TaskMetadata(
    name="emergent",
    version="1",
    description="Emergent: rumour claim vs news article headline stance",
    files=EMERGENT_FILES,
    splits=("train", "test"),
    default_split="test",
    label_mapping={"against": "deny", "for": "confirm", "observing": "evade"},
    mapping_reasons=(
        "against: the headline says the claim is false (deny). for: it reports the claim "
        "as true (confirm). observing: it repeats the claim without assessing it, which "
        "engages without committing (evade). Emergent has no unrelated pairs."
    ),
    labels=("deny", "confirm", "evade"),
    main_score="macro_f1_score",
    native_score="accuracy_score",
    native_score_notes=(
        "Ferreira and Vlachos (2016) report accuracy over for/against/observing; the "
        "mapping is one to one, so it is DenialBench's accuracy on this task (an "
        "`unrelated` answer counts as wrong)."
    ),
    citation=(
        "Ferreira, W. and Vlachos, A. (2016). Emergent: a novel data-set for stance "
        "classification. NAACL-HLT 2016."
    ),
    published="https://github.com/willferreira/mscproject (data/emergent/)",
    reader=read_emergent,
)

RUMOUREVAL2019 = TaskMetadata(
    name="rumoureval2019",
    version="1",
    description="RumourEval 2019 subtask A: source post vs reply stance, Twitter and Reddit",
    files={
        "train": (f"rumoureval-2019-training-data/{RUMOUREVAL_KEYS['train']}", "thread folders"),
        "validation": (
            f"rumoureval-2019-training-data/{RUMOUREVAL_KEYS['validation']}",
            "thread folders",
        ),
        "test": (RUMOUREVAL_KEYS["test"], "rumoureval-2019-test-data thread folders"),
    },
    splits=("train", "validation", "test"),
    default_split="test",
    label_mapping={"deny": "deny", "support": "confirm", "query": "evade", "comment": "evade"},
    mapping_reasons=(
        "deny: the reply disputes the rumour (deny). support: it backs the rumour "
        "(confirm). query: it asks for evidence or questions the rumour without disputing "
        "it, a question back (evade). comment: it engages without a stance (evade). Only "
        "replies are items; RumourEval 2019 has no unrelated label."
    ),
    labels=("deny", "confirm", "evade"),
    main_score="macro_f1_score",
    native_score="rumoureval_macro_f1_score",
    native_score_notes=(
        "The official score is macro-F1 over support, deny, query and comment. DenialBench "
        "labels cannot tell query from comment, so each prediction is submitted as the "
        "RumourEval label the official scorer would see: deny->deny, confirm->support, "
        "evade->comment, unrelated->comment. Query F1 is therefore 0 by construction and "
        "the native score understates a system that tells questions apart: compare it with "
        "published RumourEval results only with that caveat. The main score (macro-F1 over "
        "deny/confirm/evade) is the 3-class view in which query and comment are merged. "
        "Source posts are left out (they have no reply), so the item set is the official "
        "one minus the source posts."
    ),
    citation=(
        "Gorrell, G. et al. (2019). SemEval-2019 Task 7: RumourEval, Determining Rumour "
        "Veracity and Support for Rumours. SemEval 2019."
    ),
    published="https://aclanthology.org/S19-2147/ (data on figshare: RumourEval 2019 data)",
    reader=read_rumoureval2019,
)

PAIRS = TaskMetadata(
    name="pairs",
    version="1",
    description="Your own labelled claim/response pairs (CSV, TSV, JSONL or Parquet)",
    files={"test": ("FILE given with --data",)},
    splits=("test",),
    default_split="test",
    label_mapping={},
    mapping_reasons="Given by the user with --map native=denialbench,...",
    labels=tuple(LABELS),
    main_score="macro_f1_score",
    native_score=None,
    native_score_notes="None: the user's labels are mapped with --map.",
    citation="(your data)",
    published="(your data)",
    in_all=False,
)

TASKS: dict[str, TaskMetadata] = {
    t.name: t
    for t in (
        _denialbench_task("test", in_all=True),
        _denialbench_task("validation", in_all=False),
        _denialbench_task(
            "real_test",
            in_all=True,
            description="real press-briefing exchanges (DenialBench-Real); ambiguous "
            "items left out of the headline",
        ),
        FNC1,
        EMERGENT,
        RUMOUREVAL2019,
        PAIRS,
    )
}


def get_task(name: str) -> TaskMetadata:
    """The registered task ``name``; an InputError lists the known names."""
    try:
        return TASKS[name]
    except KeyError:
        raise InputError(
            f"unknown task {name!r}; known: {', '.join(TASKS)} (`denialbench tasks`)"
        ) from None


def task_table() -> dict[str, Any]:
    """The rich table of ``denialbench tasks``."""
    rows = [
        [
            t.name,
            t.version,
            "/".join(t.splits),
            ", ".join(t.labels),
            t.main_score + (f" (native: {t.native_score})" if t.native_score else ""),
            t.published,
            t.citation,
        ]
        for t in TASKS.values()
    ]
    return {
        "title": "Tasks",
        "columns": ["task", "version", "splits", "labels", "scores", "source", "citation"],
        "rows": rows,
    }


def tasks_markdown() -> str:
    """The registry as a Markdown table (README.md's ``tasks`` block)."""
    lines = [
        "| task | what | label mapping | main score | native score | published |",
        "|---|---|---|---|---|---|",
    ]
    for t in TASKS.values():
        mapping = ", ".join(
            f"{native}→{label}" if native != label else native
            for native, label in t.label_mapping.items()
        )
        lines.append(
            f"| `{t.name}` | {t.description} | {mapping or 'given with --map'} | "
            f"{t.main_score} over {', '.join(t.labels)} | {t.native_score or '-'} | "
            f"{t.published} |"
        )
    return "\n".join(lines) + "\n"


def data_path_hint(task: TaskMetadata, split: str) -> str:
    return (
        f"task {task.name} ({split}) needs your copy of {task.expected_files(split)}; it is "
        f"published at {task.published} (not redistributed: its licence does not allow it). "
        "Give the folder or the original archive with --data (or --data-root for --task all)."
    )
