"""Models that misbehave get a clear error naming the problem, and exit 2 in the CLI."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from denialbench import ModelBehaviourError
from denialbench.corpus import LABELS
from denialbench.eval import evaluate


class ConstantModel:
    """Predicts one label; no probabilities."""

    def __init__(self, label="deny"):
        self.label = label

    def predict(self, X):
        assert list(X.columns) == ["id", "claim", "response"]
        return np.full(len(X), self.label, dtype=object)


class ProbaModel(ConstantModel):
    """Predicts one label and fixed probabilities over ``classes``."""

    def __init__(self, proba, classes=LABELS):
        super().__init__("deny")
        self.proba, self.classes_ = proba, np.asarray(classes)

    def predict_proba(self, X):
        return np.tile(self.proba, (len(X), 1))


class ShortModel(ConstantModel):
    def predict(self, X):
        return np.full(len(X) - 1, "deny")


class RaisingModel(ConstantModel):
    def predict(self, X):
        raise RuntimeError("GPU not found")


class IntModel(ConstantModel):
    def predict(self, X):
        return np.zeros(len(X), dtype=int)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (ShortModel(), "predictions for"),
        (ConstantModel(label="perhaps"), "'perhaps' is not one of"),
        (RaisingModel(), "predict raised RuntimeError: GPU not found"),
        (ProbaModel([np.nan, 0.5, 0.25, 0.25]), "NaN"),
        (ProbaModel([0.5, 0.5, 0.5, 0.5]), "sum to 1"),
        (
            ProbaModel([0.5, 0.5]),
            "shape",
        ),
        (
            ProbaModel([0.5, 0.5, 0, 0], classes=["deny", "maybe", "evade", "unrelated"]),
            "classes_",
        ),
        (object(), "no predict method"),
    ],
)
def test_misbehaving_model_is_reported(model, needle):
    with pytest.raises(ModelBehaviourError, match=needle.replace("(", r"\(")):
        evaluate(model, "validation", n_bootstrap=10)


def test_string_and_int_labels_score_the_same():
    a = evaluate(ConstantModel(label="deny"), "validation", n_bootstrap=50)
    b = evaluate(IntModel(), "validation", n_bootstrap=50)
    assert a.metrics == b.metrics


def test_probabilities_unlock_probability_metrics():
    result = evaluate(ProbaModel([0.4, 0.3, 0.2, 0.1]), "validation", n_bootstrap=10)
    assert {"deny_roc_auc_score", "brier_score_loss", "ece_loss"} <= set(result.metrics)


def test_cli_reports_misbehaviour_with_exit_2(cli, tmp_path):
    path = tmp_path / "short.pkl"
    path.write_bytes(pickle.dumps(ShortModel()))
    refused = cli("evaluate", path, "--split", "validation")
    assert refused.exit_code == 2 and "allowlist" in refused.output  # a custom class: refused
    trusted = cli("evaluate", path, "--split", "validation", "--trust-pickle")
    assert trusted.exit_code == 2
    assert "exactly one label per row" in trusted.output
    assert "Traceback" not in trusted.output


class CountingTransformer:
    """A stateless scikit-learn transformer that counts its transform calls."""

    calls = 0

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        CountingTransformer.calls += 1
        return np.column_stack([X["response"].str.len(), X["claim"].str.len()])


def test_pipeline_features_are_computed_once_per_batch():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from denialbench.corpus import load
    from denialbench.eval._data import load_eval_data
    from denialbench.eval._model import BATCH_SIZE, run_model

    train = load(as_pandas=True, splits=("train",))["train"]
    pipeline = Pipeline([("lengths", CountingTransformer()), ("lr", LogisticRegression())])
    pipeline.fit(train[["id", "claim", "response"]], train["label"])
    data = load_eval_data("test")
    CountingTransformer.calls = 0
    pred, proba = run_model(pipeline, data)
    assert CountingTransformer.calls == -(-len(data) // BATCH_SIZE)
    frame = data.frame()
    expected = [LABELS.index(label) for label in pipeline.predict(frame)]
    assert pred.tolist() == expected
    columns = [list(pipeline.classes_).index(label) for label in LABELS]
    assert np.array_equal(proba, pipeline.predict_proba(frame)[:, columns])

    class OwnPipeline(Pipeline):  # a subclass may change predict, so it is called as it is
        pass

    own = OwnPipeline(pipeline.steps)
    CountingTransformer.calls = 0
    run_model(own, data)
    assert CountingTransformer.calls == 2 * -(-len(data) // BATCH_SIZE)


def test_a_plain_text_pipeline_is_told_what_it_receives():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["there was no call", "yes we met", "no comment", "the weather is fine"]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, list(LABELS))
    with pytest.raises(ModelBehaviourError) as info:
        evaluate(model, "validation", n_bootstrap=0)
    message = str(info.value)
    assert "returned 3 predictions for a batch of" in message
    assert "DataFrame with columns id, claim, response" in message
    assert "ColumnTransformer" in message


class UnreadableClassesModel(ProbaModel):
    @property
    def classes_(self):
        raise LookupError("no classes")

    @classes_.setter
    def classes_(self, value):
        pass


class LeakyModel(ConstantModel):
    def predict(self, X):
        raise ValueError("\x1b[31mSECRET-" + "x" * 5000)


@pytest.mark.parametrize(
    "model",
    [
        UnreadableClassesModel([0.25] * 4),
        ProbaModel([0.25] * 4, classes=np.zeros(4, dtype=[("a", "f8")])),
        ProbaModel([0.25] * 4, classes=np.array([LABELS, LABELS])),
    ],
    ids=["raising property", "structured", "two-dimensional"],
)
def test_classes_that_cannot_be_read_as_labels_are_a_behaviour_error(model):
    with pytest.raises(ModelBehaviourError, match="classes_"):
        evaluate(model, n_bootstrap=10)


def test_a_predict_error_message_is_escaped_and_cut_short():
    with pytest.raises(ModelBehaviourError) as info:
        evaluate(LeakyModel(), n_bootstrap=10)
    message = str(info.value)
    assert "\x1b" not in message and len(message) < 400
