"""Where the lm-evaluation-harness task YAMLs live in the installed package.

``lm_eval --include_path "$(denialbench lm-eval-path)" --tasks denialbench_test_gen``
runs DenialBench through lm-eval: ``*_gen`` tasks generate an answer that
DenialBench's parser maps to a label, ``*_mc`` tasks score the four label
words by log-likelihood. lm-eval itself is optional: ``pip install
'denialbench[lm-eval]'``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["LM_EVAL_TASKS", "lm_eval_path"]

#: The task names the YAMLs define, for ``--tasks``.
LM_EVAL_TASKS = (
    "denialbench_test_gen",
    "denialbench_test_mc",
    "denialbench_real_test_gen",
    "denialbench_real_test_mc",
)


def lm_eval_path() -> Path:
    """The folder holding the task YAMLs and their ``utils.py`` (a real folder on disk).

    Examples
    --------
    >>> (lm_eval_path() / "denialbench_test_gen.yaml").is_file()
    True
    """
    return Path(str(resources.files("denialbench.eval") / "lm_eval_tasks"))
