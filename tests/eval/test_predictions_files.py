"""Predictions files: every malformed file is refused with its line number."""

from __future__ import annotations

import json

import pytest

from denialbench import PredictionsFileError
from denialbench.corpus import LABELS
from denialbench.eval import evaluate


@pytest.fixture(scope="module")
def gold(frames):
    return frames["validation"][["id", "label"]].reset_index(drop=True)


def _jsonl(rows):
    return "".join(json.dumps(r) + "\n" for r in rows)


def _rows(gold):
    return [{"id": i, "label": lab} for i, lab in zip(gold["id"], gold["label"], strict=True)]


def test_perfect_predictions_score_one(tmp_path, gold):
    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(_rows(gold)))
    result = evaluate(path, "validation", n_bootstrap=20)
    assert result.macro_f1 == 1.0
    assert result.content["model"]["kind"] == "predictions"


def test_csv_with_bom_crlf_and_probabilities(tmp_path, gold):
    lines = ["id,label,p_deny,p_confirm,p_evade,p_unrelated"]
    for i, lab in zip(gold["id"], gold["label"], strict=True):
        p = [0.1] * 4
        p[LABELS.index(lab)] = 0.7
        lines.append(f"{i},{lab}," + ",".join(str(x) for x in p))
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    result = evaluate(path, "validation", n_bootstrap=20)
    assert result.macro_f1 == 1.0
    assert result.metrics["deny_roc_auc_score"]["value"] == 1.0


def test_ids_as_class_label_ints(tmp_path, gold):
    rows = [{"id": r["id"], "label": LABELS.index(r["label"])} for r in _rows(gold)]
    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(rows))
    assert evaluate(path, "validation", n_bootstrap=0).macro_f1 == 1.0


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda rows: rows[:-1], "have no prediction"),
        (lambda rows: [*rows[:3], rows[1], *rows[3:]], r":4: duplicate prediction"),
        (
            lambda rows: [*rows[:5], {"id": "nobody-00", "label": "deny"}, *rows[5:]],
            r":6: unknown id",
        ),
        (
            lambda rows: [*rows[:2], {"id": rows[2]["id"], "label": "sideways"}, *rows[3:]],
            r":3: label 'sideways'",
        ),
        (lambda rows: [*rows[:1], {"id": rows[1]["id"]}, *rows[2:]], r"'label' is missing"),
    ],
)
def test_bad_predictions_name_the_line(tmp_path, gold, mutate, needle):
    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(mutate(_rows(gold))))
    with pytest.raises(PredictionsFileError, match=needle):
        evaluate(path, "validation", n_bootstrap=0)


def test_bad_probabilities(tmp_path, gold):
    rows = _rows(gold)
    for r in rows:
        r.update(p_deny=0.25, p_confirm=0.25, p_evade=0.25, p_unrelated=0.25)
    rows[7]["p_deny"] = 0.9
    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(rows))
    with pytest.raises(PredictionsFileError, match=r"p.jsonl:8: probabilities must"):
        evaluate(path, "validation", n_bootstrap=0)
    for r in rows:
        del r["p_unrelated"]
    path.write_text(_jsonl(rows))
    with pytest.raises(PredictionsFileError, match="missing p_unrelated"):
        evaluate(path, "validation", n_bootstrap=0)


def test_empty_broken_and_misencoded_files(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(PredictionsFileError, match="empty"):
        evaluate(empty, "validation")
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"id": "a", "label": "deny"}\n{"id": "b", "label": \n')
    with pytest.raises(PredictionsFileError, match=r"b.jsonl:2: not valid JSON"):
        evaluate(broken, "validation")
    latin = tmp_path / "l.csv"
    latin.write_bytes("id,label\nx,d\xe9ny\n".encode("latin-1"))
    with pytest.raises(PredictionsFileError, match=r"l.csv:2: not valid UTF-8"):
        evaluate(latin, "validation")
    nocol = tmp_path / "n.csv"
    nocol.write_text("ident,label\nx,deny\n")
    with pytest.raises(PredictionsFileError, match="missing column"):
        evaluate(nocol, "validation")


def test_cli_bad_predictions_exit_2(cli, tmp_path, gold):
    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(_rows(gold)[:-3]))
    result = cli("evaluate", path, "--split", "validation")
    assert result.exit_code == 2
    assert "3 id(s) have no prediction" in result.output


def test_result_records_the_predictions_file_hash(tmp_path, gold):
    from denialbench.corpus import sha256_file

    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + _jsonl(_rows(gold)).encode("utf-8"))
    model = evaluate(path, "validation", n_bootstrap=0).content["model"]
    assert model["sha256"] == sha256_file(path) and model["path"] == "p.jsonl"


def _proba_rows(gold, label_of=None):
    rows = _rows(gold)
    for k, r in enumerate(rows):
        p = [0.1] * 4
        p[LABELS.index(r["label"])] = 0.7
        r.update(zip(("p_deny", "p_confirm", "p_evade", "p_unrelated"), p, strict=True))
        if label_of is not None:
            r["label"] = label_of(k, r["label"])
    return rows


def test_non_numeric_probability_names_its_line(tmp_path, gold):
    lines = ["id,label,p_deny,p_confirm,p_evade,p_unrelated"]
    lines += [f"{r['id']},{r['label']},0.25,0.25,0.25,0.25" for r in _rows(gold)]
    lines[4] = lines[4].replace(",0.25,", ",high,", 1)
    path = tmp_path / "proba_text.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PredictionsFileError, match=r"proba_text.csv:5: column 'p_deny' .*'high'"):
        evaluate(path, "validation", n_bootstrap=0)


def test_labels_contradicting_probabilities_warn_with_share_and_ids(tmp_path, gold):
    from denialbench import DenialBenchWarning

    def swap(k, label):  # every third row: a label that is not the most probable class
        return LABELS[(LABELS.index(label) + 1) % 4] if k % 3 == 0 else label

    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(_proba_rows(gold, swap)))
    n_bad = len(range(0, len(gold), 3))
    with pytest.warns(DenialBenchWarning, match=rf"on {n_bad} of {len(gold)} rows \(33%\)") as w:
        evaluate(path, "validation", n_bootstrap=0)
    assert repr(gold["id"][0]) in str(w[0].message) and "p.jsonl" in str(w[0].message)


def test_a_few_contradictions_do_not_warn(tmp_path, gold):
    # a tuned threshold moves a few labels off the argmax; filterwarnings=error
    # turns any warning into a failure here
    def few(k, label):
        return LABELS[(LABELS.index(label) + 1) % 4] if k % 20 == 0 else label

    path = tmp_path / "p.jsonl"
    path.write_text(_jsonl(_proba_rows(gold, few)))
    assert evaluate(path, "validation", n_bootstrap=0).macro_f1 < 1.0


def test_a_deeply_nested_line_is_refused_before_parsing(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"id": "a", "label": "deny"}\n{"id": "b", "label": ' + "[" * 50_000 + "}\n")
    with pytest.raises(PredictionsFileError, match=r"deep.jsonl:2: the line opens 1000 or more"):
        evaluate(path, "validation")
