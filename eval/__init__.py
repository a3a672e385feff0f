"""The DenialBench harness: safe model loading, metrics, reports, leaderboard.

>>> from denialbench.eval import CONFUSION_METRICS
>>> sorted(CONFUSION_METRICS)
['accuracy_score', 'deny_f1_score', 'macro_f1_score', 'mcc_score']
"""

from denialbench.eval import leaderboard
from denialbench.eval._answers import evaluate_answers, parse_answer
from denialbench.eval._compare import compare, paired_bootstrap
from denialbench.eval._data import EvalData, load_eval_data
from denialbench.eval._evaluate import evaluate
from denialbench.eval._lm_eval import lm_eval_path
from denialbench.eval._metrics import (
    CONFUSION_METRICS,
    PROBABILITY_METRICS,
    confusion_matrix,
    per_label_scores,
)
from denialbench.eval._prompts import PROMPT_TEMPLATE_VERSION, build_prompts
from denialbench.eval._result import EvaluationResult, result_schema
from denialbench.eval._safe_loading import load_model, scan_pickle_globals
from denialbench.eval._sandbox import SandboxLimits
from denialbench.eval._scoring import bootstrap_confusions, score
from denialbench.eval._task_run import TaskData, evaluate_all_tasks, evaluate_task, load_task
from denialbench.eval._tasks import TASKS, TaskMetadata, get_task

__all__ = [
    "CONFUSION_METRICS",
    "PROBABILITY_METRICS",
    "PROMPT_TEMPLATE_VERSION",
    "TASKS",
    "EvalData",
    "EvaluationResult",
    "SandboxLimits",
    "TaskData",
    "TaskMetadata",
    "bootstrap_confusions",
    "build_prompts",
    "compare",
    "confusion_matrix",
    "evaluate",
    "evaluate_all_tasks",
    "evaluate_answers",
    "evaluate_task",
    "get_task",
    "leaderboard",
    "lm_eval_path",
    "load_eval_data",
    "load_model",
    "load_task",
    "paired_bootstrap",
    "parse_answer",
    "per_label_scores",
    "result_schema",
    "scan_pickle_globals",
    "score",
]
