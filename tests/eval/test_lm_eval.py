"""The lm-evaluation-harness tasks shipped in the package.

The structure test runs everywhere; the lm-eval test runs where the extra is
installed (``pip install 'denialbench[lm-eval]'``) and builds the requests
offline, without a model.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
import yaml

from denialbench.corpus._loading import read_bundled_split
from denialbench.corpus._schema import LABELS
from denialbench.eval._lm_eval import LM_EVAL_TASKS, lm_eval_path
from denialbench.eval._prompts import QUESTION, format_prompt


class _TaskLoader(yaml.SafeLoader):
    """Reads lm-eval's ``!function module.name`` tags as plain strings."""


_TaskLoader.add_constructor("!function", lambda loader, node: f"!function {node.value}")


def _configs() -> dict[str, dict]:
    out = {}
    for path in sorted(lm_eval_path().glob("*.yaml")):
        config = yaml.load(path.read_text("utf-8"), Loader=_TaskLoader)
        out[config["task"]] = config
    return out


def _utils():
    spec = importlib.util.spec_from_file_location(
        "_denialbench_lm_utils", lm_eval_path() / "utils.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_yamls_define_the_documented_tasks_and_their_hooks_exist():
    configs = _configs()
    assert sorted(configs) == sorted(LM_EVAL_TASKS)
    utils = _utils()
    for name, config in configs.items():
        expected = "generate_until" if name.endswith("_gen") else "multiple_choice"
        assert config["output_type"] == expected
        for key, value in config.items():
            if isinstance(value, str) and value.startswith("!function utils."):
                assert callable(getattr(utils, value.removeprefix("!function utils."))), key
        for metric in config["metric_list"]:
            aggregation = metric["aggregation"]
            if aggregation.startswith("!function utils."):
                assert callable(getattr(utils, aggregation.removeprefix("!function utils.")))
        if expected == "multiple_choice":
            assert config["doc_to_choice"] == list(LABELS)


def test_the_hooks_use_denialbench_prompt_and_parser():
    utils = _utils()
    doc = read_bundled_split("test")[0]
    assert utils.doc_to_text(doc) == format_prompt(doc, [])
    assert utils.doc_to_text(doc).endswith(QUESTION)
    assert utils.doc_to_target(doc) == LABELS.index(doc["label"])
    right = utils.process_results_gen(doc, [f"**{doc['label'].title()}**"])
    assert right["acc"] == 1.0 and right["unparseable"] == 0.0
    lost = utils.process_results_gen(doc, ["no idea"])
    assert lost["acc"] == 0.0 and lost["unparseable"] == 1.0
    # an unparseable answer lowers recall but credits no label
    pairs = [
        ("deny", "deny"),
        ("confirm", "unparseable"),
        ("evade", "evade"),
        ("unrelated", "unrelated"),
    ]
    assert utils.macro_f1(pairs) == pytest.approx((1 + 0 + 1 + 1) / 4)
    likelihoods = [(-5.0, False), (-1.0, True), (-3.0, False), (-4.0, False)]
    assert utils.process_results_mc(doc, likelihoods)["macro_f1"] == (doc["label"], "confirm")


def test_lm_eval_loads_the_tasks_offline_and_builds_requests(monkeypatch):
    pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    manager = TaskManager(include_path=str(lm_eval_path()))
    assert set(LM_EVAL_TASKS) <= set(manager.all_tasks)
    names = ["denialbench_test_gen", "denialbench_real_test_mc"]
    # lm-eval 0.4.10+ has load(); older releases only load_task_or_group()
    if hasattr(manager, "load"):
        loaded = manager.load(names)["tasks"]
    else:  # pragma: no cover - depends on the installed lm-eval
        loaded = manager.load_task_or_group(names)
    test = read_bundled_split("test")
    for name, task in loaded.items():
        docs = list(task.test_docs())
        if name == "denialbench_test_gen":
            assert len(docs) == len(test)
            task.build_all_requests(limit=2, rank=0, world_size=1)
            assert task.instances[0].args[0] == format_prompt(test[0], [])
        else:
            task.build_all_requests(limit=2, rank=0, world_size=1)
            # one log-likelihood request per label word for each item
            assert len(task.instances) == 2 * len(LABELS)
            assert {i.args[1].strip() for i in task.instances} == set(LABELS)
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"
