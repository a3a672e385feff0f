"""The LLM route end to end: `prompts` -> fake answers -> `evaluate --answers`; `lm-eval-path`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from denialbench.corpus._loading import read_bundled_split
from denialbench.corpus._schema import LABELS


def _fake_answers(prompts_path: Path, out: Path, split: str) -> tuple[list, list]:
    """Answers in the many shapes LLMs write them: every third unparseable, the rest right
    except every seventh, which names the label after the gold one."""
    gold = {r["id"]: r["label"] for r in read_bundled_split(split)}
    shapes = ["{}", "Label: {}", "**{}**", '{{"label": "{}"}}', "  {}.  "]
    rows, pairs = [], []
    for n, line in enumerate(prompts_path.read_text("utf-8").splitlines()):
        item_id = json.loads(line)["id"]
        if n % 3 == 0:
            rows.append({"id": item_id, "answer": "I am not sure what to say."})
            pairs.append((gold[item_id], None))
            continue
        label = gold[item_id]
        if n % 7 == 0:
            label = LABELS[(LABELS.index(label) + 1) % len(LABELS)]
        rows.append({"id": item_id, "answer": shapes[n % len(shapes)].format(label)})
        pairs.append((gold[item_id], label))
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return rows, pairs


def _macro_f1(pairs) -> float:
    f1 = []
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in pairs)
        predicted = sum(p == label for _, p in pairs)
        support = sum(g == label for g, _ in pairs)
        f1.append(2 * tp / (predicted + support))
    return float(np.mean(f1))


def test_prompts_then_answers_end_to_end(cli, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    out = cli("prompts", "--split", "validation", "--shots", "4", "--seed", "7", "--out", prompts)
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    lines = [json.loads(x) for x in prompts.read_text("utf-8").splitlines()]
    assert summary["items"] == len(lines) == len(read_bundled_split("validation"))
    assert {x["template_version"] for x in lines} == {summary["template_version"]}
    assert all(len(x["shot_ids"]) == 4 for x in lines)

    answers = tmp_path / "answers.jsonl"
    _, pairs = _fake_answers(prompts, answers, "validation")
    results = tmp_path / "results.json"
    out = cli(
        "evaluate", answers, "--answers", "--split", "validation", "--bootstrap", "0",
        "--out", results,
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    n_unparseable = sum(p is None for _, p in pairs)
    assert f"unparseable answers: {n_unparseable} of {len(pairs)}" in out.output
    assert "I am not sure what to say." in out.output
    content = json.loads(results.read_text("utf-8"))
    assert content["answers"]["n_unparseable"] == n_unparseable
    assert len(content["answers"]["examples"]) == 5
    # the headline leaves out the items without a two-thirds annotator majority
    ambiguous = {r["id"] for r in read_bundled_split("validation") if r.get("ambiguous")}
    ids = [json.loads(line)["id"] for line in answers.read_text("utf-8").splitlines()]
    scored = [pair for i, pair in zip(ids, pairs, strict=True) if i not in ambiguous]
    assert content["metrics"]["macro_f1_score"]["value"] == pytest.approx(_macro_f1(scored))


def test_answers_as_json_output(cli, tmp_path):
    answers = tmp_path / "answers.csv"
    rows = read_bundled_split("validation")
    answers.write_text(
        "id,answer\n" + "".join(f"{r['id']},{r['label'].upper()}\n" for r in rows), "utf-8"
    )
    out = cli("evaluate", answers, "--answers", "--split", "validation", "--json")
    assert out.exit_code == 0, out.output
    content = json.loads(out.output)
    assert content["metrics"]["macro_f1_score"]["value"] == 1.0
    assert content["answers"]["n_unparseable"] == 0


def test_answers_with_a_task_is_refused(cli, tmp_path):
    out = cli("evaluate", tmp_path / "a.jsonl", "--answers", "--task", "emergent")
    assert out.exit_code == 2
    assert "--answers" in out.output and "Traceback" not in out.output


def test_answers_file_without_answer_column_exits_2(cli, tmp_path):
    answers = tmp_path / "a.jsonl"
    answers.write_text('{"id": "x", "label": "deny"}\n', "utf-8")
    out = cli("evaluate", answers, "--answers", "--split", "validation")
    assert out.exit_code == 2
    assert "a.jsonl" in out.output and "answer" in out.output


def test_prompts_refuse_a_wrong_output_suffix_before_work(cli, tmp_path):
    out = cli("prompts", "--out", tmp_path / "prompts.csv")
    assert out.exit_code == 2
    assert ".jsonl" in out.output and not (tmp_path / "prompts.csv").exists()


def test_prompts_for_the_training_split_exit_2(cli, tmp_path):
    out = cli("prompts", "--split", "train", "--out", tmp_path / "p.jsonl")
    assert out.exit_code == 2
    assert "few-shot" in out.output


def test_prompts_require_out(cli):
    out = cli("prompts")
    assert out.exit_code == 2 and "Missing option" in out.output


def test_lm_eval_path_prints_the_yaml_folder(cli):
    out = cli("lm-eval-path")
    assert out.exit_code == 0
    folder = Path(out.output.strip())
    names = sorted(p.name for p in folder.glob("*.yaml"))
    assert names == [
        "denialbench_real_test_gen.yaml",
        "denialbench_real_test_mc.yaml",
        "denialbench_test_gen.yaml",
        "denialbench_test_mc.yaml",
    ]
    assert (folder / "utils.py").is_file()
