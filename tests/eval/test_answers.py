"""The LLM answers route: the answer parser, and the honest scoring of unparseable answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from denialbench._errors import InputError, PredictionsFileError
from denialbench.corpus._schema import LABELS
from denialbench.eval import load_eval_data
from denialbench.eval._answers import (
    UNPARSEABLE,
    evaluate_answers,
    parse_answer,
    read_answers,
    score_answers,
)


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ("deny", "deny"),
        ("Deny", "deny"),
        ("  CONFIRM\n", "confirm"),
        ("evade.", "evade"),
        ('"unrelated"', "unrelated"),
        ("'deny'", "deny"),
        ("`evade`", "evade"),
        ("**deny**", "deny"),
        ("**Label:** confirm", "confirm"),
        ("Label: deny", "deny"),
        ("label = evade", "evade"),
        ("Answer: Unrelated", "unrelated"),
        ("Final answer: deny", "deny"),
        ('{"label": "deny"}', "deny"),
        ('{"label": "Confirm."}', "confirm"),
        ('{"answer": "**evade**"}', "evade"),
        ('```json\n{"label": "unrelated"}\n```', "unrelated"),
        # inflections, accepted when they are the whole answer
        ("Denies", "deny"),
        ("denial", "deny"),
        ("Confirmation.", "confirm"),
        ("confirmed", "confirm"),
        ("Evasive", "evade"),
        ("evasion", "evade"),
        ("Label: evasive", "evade"),
        # in a sentence, the first exact label word
        ("The label is deny because the spokesman rejects it.", "deny"),
        ("I would say: confirm", "confirm"),
        ("Denies? No: the response is evade.", "evade"),
        ("The speaker confirms nothing, so unrelated.", "unrelated"),
    ],
)
def test_answers_that_name_a_label(answer, label):
    assert parse_answer(answer) == label


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   ",
        None,
        "I cannot tell.",
        "The speaker denies the report.",  # an inflection inside a sentence describes, not labels
        "confirmation bias is at work here",
        "undeniable",
        "denying is not the same as evading",
        '{"label": 3}',
        '{"verdict": "deny"}',
        "{not json",
        "deny-ish",
    ],
)
def test_answers_that_name_no_label(answer):
    assert parse_answer(answer) is None


def test_every_label_word_parses_to_itself():
    for label in LABELS:
        assert parse_answer(label.upper()) == label


def _write_answers(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_unparseable_is_wrong_and_charges_no_labels_precision(tmp_path):
    data = load_eval_data("validation")
    gold = [LABELS[g] for g in data.gold]
    ids = data.id_array().tolist()
    # every answer right except the first ten, which say nothing usable
    rows = [
        {"id": i, "answer": "no idea" if n < 10 else f"Label: {g}"}
        for n, (i, g) in enumerate(zip(ids, gold, strict=True))
    ]
    result = evaluate_answers(
        _write_answers(tmp_path / "a.jsonl", rows), "validation", n_bootstrap=0
    )
    content = result.content
    assert content["answers"]["n_unparseable"] == 10
    assert [e["id"] for e in content["answers"]["examples"]] == ids[:5]
    assert content["model"]["kind"] == "answers"
    # precision stays perfect: a wrong answer that names no label is no false positive
    for label in LABELS:
        assert content["per_label"][label]["precision"] == 1.0
    # the headline leaves the ambiguous items out (no two-thirds annotator majority)
    scored = np.ones(len(data), bool) if data.headline is None else data.headline
    support = np.bincount(data.gold[scored], minlength=len(LABELS))
    missed = np.bincount(data.gold[:10][scored[:10]], minlength=len(LABELS))
    for i, label in enumerate(LABELS):
        expected_recall = (support[i] - missed[i]) / support[i]
        assert content["per_label"][label]["recall"] == pytest.approx(expected_recall)
    expected_accuracy = 1 - scored[:10].sum() / scored.sum()
    assert content["metrics"]["accuracy_score"]["value"] == pytest.approx(expected_accuracy)
    assert sum(content["confusion_matrix"]["unparseable_by_gold"]) == scored[:10].sum()
    assert content["predictions"][0]["label"] == "unparseable"
    assert content["predictions"][10]["label"] == gold[10]
    assert content["contrast_consistency"]["value"] < 1.0


def test_all_right_answers_score_one(tmp_path):
    data = load_eval_data("validation")
    rows = [{"id": i, "answer": LABELS[g]} for i, g in zip(data.id_array(), data.gold, strict=True)]
    result = evaluate_answers(_write_answers(tmp_path / "a.jsonl", rows), "validation")
    assert result.macro_f1 == 1.0
    assert result.content["answers"]["n_unparseable"] == 0


def test_five_column_macro_f1_matches_scikit_learn_with_an_extra_label():
    from sklearn.metrics import f1_score, matthews_corrcoef

    data = load_eval_data("validation")
    rng = np.random.default_rng(0)
    codes = rng.integers(0, UNPARSEABLE + 1, size=len(data))
    content = score_answers(
        data, codes, [""] * len(data), model_info={"kind": "answers"}, n_bootstrap=0, seed=0
    )
    scored = np.ones(len(data), bool) if data.headline is None else data.headline
    gold, said = data.gold[scored], codes[scored]  # the headline leaves ambiguous items out
    expected = f1_score(gold, said, labels=list(range(len(LABELS))), average="macro")
    assert content["metrics"]["macro_f1_score"]["value"] == pytest.approx(expected)
    assert content["metrics"]["mcc_score"]["value"] == pytest.approx(matthews_corrcoef(gold, said))


def test_answers_in_csv_out_of_order(tmp_path):
    data = load_eval_data("validation")
    ids = data.id_array().tolist()[::-1]
    path = tmp_path / "a.csv"
    path.write_text("id,answer\n" + "".join(f'{i},"Label: deny"\n' for i in ids), "utf-8")
    codes, answers, _ = read_answers(path, data)
    assert (codes == LABELS.index("deny")).all()
    assert answers[0] == "Label: deny"


def test_a_missing_answer_column_names_the_file(tmp_path):
    path = _write_answers(tmp_path / "a.jsonl", [{"id": "x", "label": "deny"}])
    with pytest.raises(PredictionsFileError, match=r"a\.jsonl.*answer"):
        evaluate_answers(path, "validation")


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        evaluate_answers(tmp_path / "nope.jsonl", "validation")


def test_an_answers_result_verifies_for_the_leaderboard_and_edits_are_caught(tmp_path):
    from denialbench._errors import VerificationFailed
    from denialbench.eval._verification import verify_result

    data = load_eval_data("test")
    rows = [
        {"id": i, "answer": "hmm" if n % 4 == 0 else LABELS[g]}
        for n, (i, g) in enumerate(zip(data.id_array(), data.gold, strict=True))
    ]
    result = evaluate_answers(_write_answers(tmp_path / "a.jsonl", rows), "test", n_bootstrap=20)
    content = json.loads(result.to_json())
    assert verify_result(content, "r.json", "test").stale == []
    edited = json.loads(result.to_json())
    edited["metrics"]["macro_f1_score"]["value"] += 0.01
    with pytest.raises(VerificationFailed, match="macro_f1_score"):
        verify_result(edited, "r.json", "test")
    # "unparseable" is a prediction only in an answers result
    as_predictions = json.loads(result.to_json())
    as_predictions["model"]["kind"] = "predictions"
    with pytest.raises(VerificationFailed, match="'unparseable' of id"):
        verify_result(as_predictions, "r.json", "test")
