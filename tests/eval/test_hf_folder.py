"""Hugging Face checkpoint folders as a model format (eval/_hf_folder.py, eval/_hf_model.py).

One tiny random-weight checkpoint is built per module (tests/hf_fixtures.py);
the refusal cases copy it and break one thing each. The refusals are decided
before any model process starts; the end-to-end cases run the folder in the
sandbox like every other model file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hf_fixtures import copy_with_config, write_tiny_checkpoint

from denialbench import InputError, ModelBehaviourError, UnsafeModelError
from denialbench.corpus import LABELS
from denialbench.eval._hf_folder import (
    OPTIONS_SCHEMA,
    check_model_folder,
    folder_sha256,
    resolve_device,
)

torch = pytest.importorskip("torch", reason="checkpoint folders need the [embeddings] extra")
pytest.importorskip("transformers", reason="checkpoint folders need the [embeddings] extra")

PAIRS = pd.DataFrame(
    {
        "id": ["a", "b", "c"],
        "claim": [
            "The mayor sold the depot, the report said.",
            "The club and the minister held talks on monday.",
            "They said the deal was confirmed.",
        ],
        "response": ["No, that is false.", "We declined to comment.", "Yes, it was."],
        "speaker": ["spokesman", "club", "minister"],
    }
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return write_tiny_checkpoint(tmp_path_factory.mktemp("hf") / "tiny")


@pytest.fixture
def broken(checkpoint, tmp_path):
    """A fresh copy of the checkpoint to break."""

    def copy(**config_changes) -> Path:
        return copy_with_config(checkpoint, tmp_path / "broken", **config_changes)

    return copy


def _pairs_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.csv"
    PAIRS.to_csv(path, index=False)
    return path


def _data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    rows = [
        {"id": f"x{i}", "claim": c, "response": r, "label": LABELS[i % 4]}
        for i, (c, r) in enumerate(
            zip(PAIRS.claim.tolist() * 3, PAIRS.response.tolist() * 3, strict=True)
        )
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


# ---------------------------------------------------------------- end to end, in the sandbox


def test_cli_evaluate_scores_a_checkpoint_folder_with_probabilities(cli, checkpoint, tmp_path):
    out = cli("evaluate", checkpoint, "--data", _data_file(tmp_path), "--json", "--bootstrap", "20")
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["model"]["kind"] == "checkpoint"
    assert result["model"]["class"].endswith("BertForSequenceClassification")
    assert result["model"]["sha256"] == folder_sha256(checkpoint)
    assert 0.0 <= result["metrics"]["macro_f1_score"]["value"] <= 1.0
    # probabilities came back: the probability metrics are scored
    assert "deny_roc_auc_score" in result["metrics"]
    assert len(result["predictions"][0]["proba"]) == len(LABELS)


def test_cli_predict_runs_a_float16_folder_with_a_template_on_the_items_fields(
    cli, checkpoint, tmp_path
):
    from transformers import AutoModelForSequenceClassification

    # float16 weights (as the cross_encoder ships) and a template naming {speaker},
    # a field only checkpoint folders receive
    folder = shutil.copytree(checkpoint, tmp_path / "half")
    (folder / "model.safetensors").unlink()
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint)
    model.half().save_pretrained(folder)
    template = {"input_template": "{speaker}: {response} [SEP] {claim}"}
    (folder / "denialbench.json").write_text(json.dumps(template))
    out = cli("predict", folder, "--input", _pairs_file(tmp_path))
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert all(r["label"] in LABELS for r in rows)
    sandboxed = np.array([[r[f"p_{name}"] for name in LABELS] for r in rows])
    np.testing.assert_allclose(sandboxed.sum(axis=1), 1.0, atol=1e-5)
    # the same as this process gives with the template, not without it
    in_process = _load(folder).predict_proba(PAIRS)
    np.testing.assert_allclose(sandboxed, in_process, atol=1e-5)
    (folder / "denialbench.json").unlink()
    assert not np.allclose(sandboxed, _load(folder).predict_proba(PAIRS), atol=1e-5)


# ---------------------------------------------------------------- in-process: the same loader


def _load(folder: Path):
    from denialbench.eval._hf_model import load_checkpoint

    return load_checkpoint(folder)


def _full_proba(folder: Path) -> np.ndarray:
    """Probabilities in LABELS order, as run_model maps them."""
    from denialbench.eval._data import EvalData
    from denialbench.eval._model import run_model

    data = EvalData(
        ids=PAIRS.id.to_numpy(dtype=object),
        gold=np.zeros(len(PAIRS), dtype=np.int8),
        claim=PAIRS.claim.tolist(),
        response=PAIRS.response.tolist(),
    )
    _, proba = run_model(_load(folder), data)
    assert proba is not None
    return proba


def test_labels_in_any_order_and_case_map_to_the_right_columns(checkpoint, tmp_path):
    # output i of the permuted copy is named perm[i]; the weights are the same
    order = ["Evade", " UNRELATED", "deny", "Confirm"]
    copy = copy_with_config(
        checkpoint,
        tmp_path / "permuted",
        id2label=dict(enumerate(order)),
        label2id={name: i for i, name in enumerate(order)},
    )
    plain, permuted = _full_proba(checkpoint), _full_proba(copy)
    for output, name in enumerate(order):
        np.testing.assert_allclose(
            permuted[:, LABELS.index(name.strip().lower())], plain[:, output]
        )
    assert not np.allclose(plain, permuted)  # the mapping mattered


def test_predict_is_the_most_probable_class_and_runs_the_model_once(checkpoint):
    model = _load(checkpoint)
    frame = PAIRS[["id", "claim", "response"]]
    labels = model.predict(frame)
    proba = model.predict_proba(frame)
    assert list(labels) == list(model.classes_[proba.argmax(axis=1)])
    assert model.predict_proba(frame) is proba  # cached for the same batch


def test_sorting_by_length_keeps_the_callers_order(checkpoint):
    model = _load(checkpoint)
    frame = PAIRS[["id", "claim", "response"]]
    together = model.predict_proba(frame)
    one_by_one = np.vstack([model.predict_proba(frame.iloc[[i]]) for i in range(len(frame))])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_sharded_safetensors_with_an_index_load(checkpoint, tmp_path):
    from transformers import AutoModelForSequenceClassification

    folder = shutil.copytree(checkpoint, tmp_path / "sharded")
    (folder / "model.safetensors").unlink()
    AutoModelForSequenceClassification.from_pretrained(checkpoint).save_pretrained(
        folder, max_shard_size="4KB"
    )
    assert (folder / "model.safetensors.index.json").is_file()
    np.testing.assert_allclose(_full_proba(folder), _full_proba(checkpoint), atol=1e-6)
    shard = sorted(folder.glob("model-*.safetensors"))[0]
    shard.unlink()
    with pytest.raises(InputError, match=f"shard {shard.name} is missing"):
        check_model_folder(folder)


def test_a_folder_without_the_classification_head_is_refused(tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "encoder", head=False)
    with pytest.raises(InputError, match=r"lack .* tensor"):
        _load(folder)


# ---------------------------------------------------------------- denialbench.json


def _with_options(checkpoint: Path, tmp_path: Path, options) -> Path:
    folder = shutil.copytree(checkpoint, tmp_path / "with_options")
    text = options if isinstance(options, str) else json.dumps(options)
    (folder / "denialbench.json").write_text(text)
    return folder


def test_the_input_template_and_max_length_are_used(checkpoint, tmp_path):
    folder = _with_options(
        checkpoint,
        tmp_path,
        {"input_template": "{speaker}: {response} [SEP] {claim}", "max_length": 8},
    )
    model = _load(folder)
    first, second = model._inputs(PAIRS)
    assert second is None  # one text per item, not a pair
    assert (
        first[0] == "spokesman: No, that is false. [SEP] The mayor sold the depot, the report said."
    )
    assert model.max_length == 8
    encoded = model.tokenizer(first, truncation=True, max_length=model.max_length)
    assert max(len(ids) for ids in encoded["input_ids"]) == 8
    assert model.predict_proba(PAIRS).shape == (3, 4)
    # a template naming a field the items lack is the model's error, named
    with pytest.raises(ModelBehaviourError, match="names \\{speaker\\}"):
        model.predict_proba(PAIRS[["id", "claim", "response"]])


def test_without_a_template_claim_and_response_go_in_as_a_pair(checkpoint):
    model = _load(checkpoint)
    first, second = model._inputs(PAIRS)
    assert first == PAIRS.claim.tolist() and second == PAIRS.response.tolist()
    ids = model.tokenizer(first[0], second[0])["token_type_ids"]
    assert 0 in ids and 1 in ids  # two segments


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"input_template": "{claim} {label}"}, r"names \{label\}"),
        ({"input_template": "{claim!r}"}, r"names \{claim!r\}"),
        ({"input_template": "{claim:>20}"}, r"names \{claim:>20\}"),
        ({"input_template": "{claim"}, "not a valid template"),
        ({"input_template": "no fields"}, "names no field"),
        ({"max_length": "128"}, "field 'max_length'"),
        ({"max_length": 4}, "field 'max_length'"),
        ({"max_lenght": 64}, "max_lenght"),
        ([1, 2], "top level"),
        ("{not json", "not readable JSON"),
    ],
)
def test_a_bad_denialbench_json_is_refused_naming_the_field(checkpoint, tmp_path, options, message):
    folder = _with_options(checkpoint, tmp_path, options)
    with pytest.raises(InputError, match=message) as caught:
        check_model_folder(folder)
    assert "denialbench.json" in str(caught.value)


def test_the_options_schema_documents_every_field():
    assert set(OPTIONS_SCHEMA["properties"]) == {"input_template", "max_length"}
    assert all("description" in p for p in OPTIONS_SCHEMA["properties"].values())


# ---------------------------------------------------------------- refusals (no process started)


@pytest.mark.parametrize(
    ("labels", "problem"),
    [
        (["deny", "confirm", "evade"], "missing 'unrelated'"),
        (["deny", "confirm", "evade", "unrelated", "other"], "unknown 'other'"),
        (["deny", "Deny", "evade", "unrelated"], "duplicated 'deny'"),
        (["LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3"], "unknown 'label_0'"),
    ],
)
def test_id2label_must_name_the_four_labels(cli, broken, labels, problem):
    folder = broken(id2label=dict(enumerate(labels)), num_labels=None)
    out = cli("evaluate", folder)
    assert out.exit_code == 2, out.output
    assert "config.json" in out.output and "'id2label'" in out.output
    assert problem in out.output


def test_a_config_without_id2label_is_refused(broken):
    with pytest.raises(InputError, match=r"config\.json: 'id2label' must map"):
        check_model_folder(broken(id2label=None))


@pytest.mark.parametrize("weights", ["pytorch_model.bin", "model.ckpt", "optimizer.pt", "x.pkl"])
def test_pickled_weights_are_refused_with_the_way_to_safetensors(cli, broken, weights):
    folder = broken()
    (folder / weights).write_bytes(b"\x80\x05N.")
    out = cli("evaluate", folder)
    assert out.exit_code == 2, out.output
    assert weights in out.output and "safetensors" in out.output


def test_pickled_weights_alone_are_refused(broken):
    folder = broken()
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(UnsafeModelError, match="Convert the weights to safetensors"):
        check_model_folder(folder)


def test_remote_code_is_refused(cli, broken, tmp_path):
    mapped = broken(auto_map={"AutoModelForSequenceClassification": "modeling_x.Evil"})
    out = cli("evaluate", mapped)
    assert out.exit_code == 2 and "auto_map" in out.output and "trust_remote_code" in out.output
    shutil.rmtree(mapped)
    folder = broken()
    (folder / "modeling_x.py").write_text("import os\n")
    with pytest.raises(UnsafeModelError, match=r"holds code \(modeling_x.py\)"):
        check_model_folder(folder)
    (folder / "modeling_x.py").unlink()
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["auto_map"] = {"AutoTokenizer": ["tok.Evil", None]}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(UnsafeModelError, match=r"tokenizer_config\.json: field 'auto_map'"):
        check_model_folder(folder)


@pytest.mark.parametrize("name", ["bert-base-uncased", "org/model-name"])
@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_a_hub_name_is_refused_with_the_download_command(cli, tmp_path, monkeypatch, name, command):
    monkeypatch.chdir(tmp_path)
    pairs = _pairs_file(tmp_path)
    args = ["--input", pairs] if command == "predict" else []
    out = cli(command, name, *args)
    assert out.exit_code == 2, out.output
    assert "never downloads" in out.output and f"hf download {name}" in out.output


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("config.json", "no config.json"),
        ("model.safetensors", "no model.safetensors"),
        ("tokenizer.json vocab.txt", "no tokenizer files"),
    ],
)
def test_missing_files_are_named(cli, broken, remove, message):
    folder = broken()
    for name in remove.split():
        (folder / name).unlink()
    out = cli("evaluate", folder)
    assert out.exit_code == 2, out.output
    assert message in out.output


def test_config_problems_are_named(broken, tmp_path):
    with pytest.raises(InputError, match="'model_type' is missing"):
        check_model_folder(broken(model_type=None))
    shutil.rmtree(tmp_path / "broken")
    with pytest.raises(InputError, match="'quantization_config' is not supported"):
        check_model_folder(broken(quantization_config={"load_in_8bit": True}))


def test_trust_flags_do_not_apply_to_a_folder(cli, checkpoint):
    out = cli("evaluate", checkpoint, "--trust-pickle")
    assert out.exit_code == 2 and "do not apply" in out.output


def test_cuda_asked_for_without_a_gpu_is_exit_2(cli, checkpoint, monkeypatch):
    from denialbench.eval import _hf_folder

    monkeypatch.setattr(_hf_folder, "_gpu_visible", lambda: False)
    out = cli("evaluate", checkpoint, "--device", "cuda")
    assert out.exit_code == 2 and "no NVIDIA GPU is visible" in out.output
    assert resolve_device("auto") == "cpu"
    with pytest.raises(InputError, match="only checkpoint folders run on a GPU"):
        resolve_device("cuda", folder=False)
    with pytest.raises(InputError, match="'--device' must be one of cpu, cuda, auto"):
        resolve_device("tpu")


def test_a_shipped_baseline_folder_is_recognised_by_its_digest(checkpoint, tmp_path, monkeypatch):
    from denialbench.eval import _submission

    trained = tmp_path / "trained"
    shutil.copytree(checkpoint, trained / "cross_encoder")
    monkeypatch.setattr(_submission, "trained_folder", lambda: trained)
    digest = folder_sha256(trained / "cross_encoder")
    model = {"kind": "checkpoint", "path": "cross_encoder", "sha256": digest}
    assert _submission.shipped_baseline(model, "entry") == trained / "cross_encoder"
    for bad in ({"sha256": "0" * 64}, {"path": ""}, {"kind": "pickle"}, {"path": "../x"}):
        with pytest.raises(InputError, match="marked as a baseline"):
            _submission.shipped_baseline({**model, **bad}, "entry")
    (trained / "cross_encoder" / "vocab.txt").write_text("changed\n")
    with pytest.raises(InputError, match="another SHA-256"):
        _submission.shipped_baseline(model, "entry")


def test_special_files_deep_json_and_odd_names_are_refused_cleanly(tmp_path, checkpoint):
    import os

    from denialbench.eval._hf_folder import check_model_folder, folder_sha256

    fifo = tmp_path / "fifo"
    shutil.copytree(checkpoint, fifo)
    os.mkfifo(fifo / "denialbench.json")  # reading it would block forever
    with pytest.raises(InputError, match="not a regular file"):
        check_model_folder(fifo)
    deep = tmp_path / "deep"
    shutil.copytree(checkpoint, deep)
    (deep / "denialbench.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply"):
        check_model_folder(deep)
    odd = tmp_path / "odd"
    shutil.copytree(checkpoint, odd)
    (odd / "notes\nerror: forged.txt").write_text("x")
    with pytest.raises(InputError, match="control characters"):
        check_model_folder(odd)
    sparse = tmp_path / "sparse"
    shutil.copytree(checkpoint, sparse)
    with open(sparse / "notes.txt", "wb") as handle:
        handle.truncate(64 * 2**30)  # 64 GiB that take no disk space but would take hours to hash
    with pytest.raises(InputError, match="more than 32 GiB"):
        folder_sha256(sparse)
