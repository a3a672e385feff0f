"""The object-graph checks against files built only from allowlisted classes.

Each hostile model is a real fitted estimator whose attributes were then
tampered with, saved as .pkl and (where skops can hold it) as .skops. Every
one must be refused before predict, through the CLI with exit 2, no
traceback, no file created and no secret printed. Files that could crash the
interpreter (trees, sparse indices) are evaluated in a subprocess so the
test runner survives a regression.
"""

from __future__ import annotations

import pickle
import secrets
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import AdaBoostClassifier, ExtraTreesClassifier, StackingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

from denialbench import UnsafeModelError
from denialbench.baselines import REGISTRY, make_pair_tfidf
from denialbench.eval import load_model
from denialbench.eval._graph_checks import check_model_graph
from denialbench.eval._pattern_checks import pattern_problem

#: Both model formats go through the same checks; the ordinary run takes the
#: pickle route and `pytest -m slow` (CI runs both) the skops route too, since
#: each case starts a sandboxed process and the pair doubles the run's time.
SUFFIXES = [".pkl", pytest.param(".skops", marks=pytest.mark.slow)]

TOY = pd.DataFrame(
    {
        "id": list("abcdefgh"),
        "claim": ["Ann met Bo in Rome"] * 8,
        "response": [
            "They never met",
            "Yes we met",
            "No comment",
            "The weather",
            "Untrue",
            "Indeed so",
            "Ask them",
            "Unrelated",
        ],
    }
)
TOY_LABELS = ["deny", "confirm", "evade", "unrelated"] * 2
TREE_TRUST = ("sklearn.tree._tree.Tree",)


def _pair_tfidf():
    return make_pair_tfidf(max_features=50).fit(TOY, TOY_LABELS)


def _word_vectorizer(model):
    union = model.named_steps["features"].named_transformers_["response"]
    return union.transformer_list[0][1]


def _save(model, tmp_path: Path, suffix: str, name: str = "model") -> Path:
    path = tmp_path / f"{name}{suffix}"
    if suffix == ".skops":
        import skops.io as sio

        sio.dump(model, path)
    else:
        path.write_bytes(pickle.dumps(model, protocol=5))
    return path


def _cli_refuses(cli, path: Path, *extra: str, secret: str = "") -> str:
    start = time.monotonic()
    result = cli("evaluate", path, "--bootstrap", "10", *extra)
    assert time.monotonic() - start < 30
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "refused" in result.output
    if secret:
        assert secret not in result.output
    return result.output


def _subprocess_refuses(path: Path, *extra: str) -> str:
    """The CLI in a child process: a crash there fails the test, not the runner."""
    done = subprocess.run(
        [sys.executable, "-m", "denialbench", "evaluate", str(path), "--bootstrap", "10", *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, (done.returncode, output[-2000:])
    assert "Traceback" not in output and "refused" in output
    return output


@pytest.fixture
def secret_file(tmp_path):
    token = secrets.token_hex(16)
    path = tmp_path / "secret.txt"
    path.write_text(f"SECRET={token}\n")
    return path, token


# ---------------------------------------------------------------- parameters


def _tamper_input_filename(model, secret: Path):
    _word_vectorizer(model).input = "filename"


def _tamper_input_file(model, secret: Path):
    model.named_steps["features"].named_transformers_["claim"].input = "file"


def _tamper_memory(model, secret: Path):
    model.memory = str(secret.parent / "cache-dir")


def _tamper_memory_in_union(model, secret: Path):
    model.named_steps["features"].transformers[0] = (
        "response",
        Pipeline([("v", TfidfVectorizer())], memory=str(secret.parent / "cache-dir")),
        "response",
    )


def _tamper_n_jobs(model, secret: Path):
    model.named_steps["features"].n_jobs = 12


def _tamper_n_jobs_union(model, secret: Path):
    model.named_steps["features"].named_transformers_["response"].n_jobs = -1


def _tamper_token_pattern(model, secret: Path):
    _word_vectorizer(model).token_pattern = r"(\w+\s?)+$"


def _tamper_token_pattern_alternation(model, secret: Path):
    _word_vectorizer(model).token_pattern = r"(?:a|aa)+b"


def _tamper_analyzer(model, secret: Path):
    _word_vectorizer(model).analyzer = "chars-of-/etc/passwd"


def _tamper_ngrams(model, secret: Path):
    _word_vectorizer(model).ngram_range = (1, 100000)


PARAMETER_TAMPERS = {
    "vectorizer input=filename": (_tamper_input_filename, ".input"),
    "vectorizer input=file": (_tamper_input_file, ".input"),
    "pipeline memory": (_tamper_memory, ".memory"),
    "nested pipeline memory": (_tamper_memory_in_union, ".memory"),
    "column transformer n_jobs": (_tamper_n_jobs, ".n_jobs"),
    "feature union n_jobs": (_tamper_n_jobs_union, ".n_jobs"),
    "nested-quantifier token_pattern": (_tamper_token_pattern, ".token_pattern"),
    "alternation token_pattern": (_tamper_token_pattern_alternation, ".token_pattern"),
    "unknown analyzer": (_tamper_analyzer, ".analyzer"),
    "huge ngram_range": (_tamper_ngrams, ".ngram_range"),
}


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("name", sorted(PARAMETER_TAMPERS))
def test_parameter_gadgets_are_refused_through_the_cli(cli, tmp_path, secret_file, name, suffix):
    secret, token = secret_file
    tamper, attribute = PARAMETER_TAMPERS[name]
    model = _pair_tfidf()
    tamper(model, secret)
    path = _save(model, tmp_path, suffix)
    output = _cli_refuses(cli, path, secret=token)
    assert attribute in output
    assert not (tmp_path / "cache-dir").exists()


def _stacking_model(tmp_path: Path):
    stack = StackingClassifier([("lr", LogisticRegression())], cv=2)
    model = Pipeline(
        [
            ("cols", ColumnTransformer([("r", TfidfVectorizer(), "response")])),
            ("stack", stack),
        ]
    ).fit(TOY, TOY_LABELS)
    return model, model.named_steps["stack"]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("method", [["fit"], ["transform"]])
def test_stack_method_naming_another_method_is_refused(cli, tmp_path, method, suffix):
    model, stack = _stacking_model(tmp_path)
    stack.stack_method_ = method
    path = _save(model, tmp_path, suffix)
    output = _cli_refuses(cli, path, *_skops_trust(path))
    assert "refused: model.steps[1][1].stack_method_" in output.replace("\n", "")
    assert not (tmp_path / "cache-dir").exists()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_cache_location_on_a_fitted_final_estimator_is_refused(cli, tmp_path, suffix):
    model, stack = _stacking_model(tmp_path)
    stack.final_estimator_ = Pipeline(
        [("lr", LogisticRegression())], memory=str(tmp_path / "cache-dir")
    )
    path = _save(model, tmp_path, suffix)
    output = _cli_refuses(cli, path, *_skops_trust(path))
    assert "final_estimator_.memory" in output.replace("\n", "")
    assert not (tmp_path / "cache-dir").exists()


def _skops_trust(path: Path) -> list[str]:
    if path.suffix != ".skops":
        return []
    import skops.io as sio

    return [arg for t in sio.get_untrusted_types(file=path) for arg in ("--trust-type", t)]


def test_unvetted_callable_is_refused_but_vetted_one_loads(cli, tmp_path):
    import skops.io as sio

    sio.dump(FunctionTransformer(np.sin), tmp_path / "sin.skops")
    with pytest.raises(UnsafeModelError, match=r"callable numpy\.sin"):
        load_model(tmp_path / "sin.skops")
    assert "model.func" in _cli_refuses(cli, tmp_path / "sin.skops")
    sio.dump(FunctionTransformer(np.log1p), tmp_path / "log1p.skops")
    assert load_model(tmp_path / "log1p.skops").func is np.log1p


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_classes_that_are_not_labels_are_refused(cli, tmp_path, suffix):
    for bad in (
        np.array([["deny"], ["confirm", "evade"]], dtype=object),  # ragged
        np.zeros(4, dtype=[("a", "f8")]),  # structured
        np.zeros(4, dtype="V8"),  # void
    ):
        model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
        model.classes_ = bad
        path = _save(model, tmp_path, suffix)
        with pytest.raises(UnsafeModelError, match="refused"):
            load_model(path)
        _cli_refuses(cli, path)


# ---------------------------------------------------------------- structure


def _tree_model():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.array(TOY_LABELS * 5)
    return DecisionTreeClassifier(random_state=0).fit(X, y)


def _set_nodes(tree, edit):
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    edit(nodes)
    tree.__setstate__({**state, "nodes": nodes})


def _self_child(nodes):
    nodes["left_child"][0] = 0


def _child_out_of_range(nodes):
    nodes["right_child"][0] = 10**9


def _feature_out_of_range(nodes):
    nodes["feature"][0] = 10**6


def _child_pointing_back(nodes):
    inner = np.flatnonzero(nodes["left_child"] != -1)
    nodes["left_child"][inner[-1]] = inner[0]


TREE_TAMPERS = {
    "node is its own child": _self_child,
    "child index past the end": _child_out_of_range,
    "feature index past the end": _feature_out_of_range,
    "child pointing backwards (cycle)": _child_pointing_back,
}


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("name", sorted(TREE_TAMPERS))
def test_tampered_trees_are_refused(tmp_path, name, suffix):
    model = _tree_model()
    _set_nodes(model.tree_, TREE_TAMPERS[name])
    path = _save(model, tmp_path, suffix)
    output = _subprocess_refuses(
        path, *(["--trust-type", TREE_TRUST[0]] if suffix == ".skops" else [])
    )
    assert "decision tree" in output


@pytest.mark.parametrize("ensemble", [ExtraTreesClassifier, AdaBoostClassifier])
def test_tampered_trees_inside_ensembles_are_refused(tmp_path, ensemble):
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.array(TOY_LABELS * 5)
    model = ensemble(n_estimators=3, random_state=0).fit(X, y)
    assert (
        load_model(_save(model, tmp_path, ".pkl", "clean")).predict(X) == model.predict(X)
    ).all()
    _set_nodes(model.estimators_[1].tree_, _child_out_of_range)
    output = _subprocess_refuses(_save(model, tmp_path, ".pkl"))
    assert "decision tree" in output


def _sparse_coef_model(edit):
    model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
    coef = sp.csr_matrix(model.coef_)
    edit(coef)
    model.coef_ = coef
    return model


def _index_past_end(coef):
    coef.indices[0] = 10**7


def _indptr_decreasing(coef):
    coef.indptr[1] = coef.indptr[-1] + 50


def _indices_wrong_dtype(coef):
    coef.indices = coef.indices.astype(np.float64)


@pytest.mark.parametrize(
    ("edit", "suffix"),
    [
        (_index_past_end, ".pkl"),
        pytest.param(_index_past_end, ".skops", marks=pytest.mark.slow),
        (_indptr_decreasing, ".pkl"),
        pytest.param(_indptr_decreasing, ".skops", marks=pytest.mark.slow),
        # scipy's own loader (skops goes through save_npz/load_npz) casts indices
        (_indices_wrong_dtype, ".pkl"),
    ],
)
def test_sparse_matrices_failing_their_format_check_are_refused(tmp_path, edit, suffix):
    path = _save(_sparse_coef_model(edit), tmp_path, suffix)
    output = _subprocess_refuses(path, *_skops_trust(path))  # trusting the type, not its data
    assert "sparse" in output


def test_arrays_are_rebuilt_and_views_refused():
    model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
    backing = np.zeros(1, dtype=np.float64)
    model.intercept_ = np.lib.stride_tricks.as_strided(backing, shape=(10**6,), strides=(0,))
    with pytest.raises(UnsafeModelError, match="strides"):
        check_model_graph(model, source="m.pkl", max_bytes=10**9)
    model.intercept_ = np.zeros(4)[::2]
    with pytest.raises(UnsafeModelError, match="strides"):
        check_model_graph(model, source="m.pkl", max_bytes=10**9)
    model.intercept_ = np.zeros(4)
    original = model.coef_
    checked = check_model_graph(model, source="m.pkl", max_bytes=10**6)
    assert checked.coef_ is not original and np.array_equal(checked.coef_, original)


def test_arrays_larger_than_the_file_are_refused():
    model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
    model.coef_ = np.zeros((4, 1 << 18))  # 8 MiB of arrays "from" a 1 kB file
    with pytest.raises(UnsafeModelError, match="more memory than the file"):
        check_model_graph(model, source="m.pkl", max_bytes=1024)


def test_deep_nesting_is_refused():
    model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
    nested: list = []
    for _ in range(200):
        nested = [nested]
    model.extra_ = nested
    with pytest.raises(UnsafeModelError, match="nested more than"):
        check_model_graph(model, source="m.pkl", max_bytes=10**6)


# ---------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    "pattern",
    [r"(?u)\b\w\w+\b", r"[a-z0-9]+(?:['’][a-z]+)?", r"(?u)\b\w+\b|[!?]", r"\w{2,}"],
)
def test_ordinary_token_patterns_pass(pattern):
    assert pattern_problem(pattern) == ""


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(\w+|\d)+x", r"(ab|a)*c", r"(\w)\1", r"(?=a)\w+", r".*.*.*x", r"(?>a+)", "["],
)
def test_backtracking_token_patterns_are_refused(pattern):
    assert pattern_problem(pattern) != ""


# ---------------------------------------------------------------- baselines


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize(
    "name", sorted(n for n, spec in REGISTRY.items() if spec.shipped and spec.artifact == "file")
)
def test_shipped_baselines_pass_the_checks(repo, name, suffix):
    path = repo / "baselines" / "trained" / f"{name}{suffix}"
    model = load_model(path)
    assert callable(model.predict)


def test_checked_model_predicts_like_the_original(tmp_path):
    model = _pair_tfidf()
    for suffix in (".pkl", ".skops"):
        loaded = load_model(_save(model, tmp_path, suffix))
        assert list(loaded.predict(TOY)) == list(model.predict(TOY)), suffix


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("column", [10**6, -3])
def test_vocabulary_with_column_indices_out_of_range_is_refused(tmp_path, suffix, column):
    model = _pair_tfidf()
    vectorizer = _word_vectorizer(model)
    word = next(iter(vectorizer.vocabulary_))
    vectorizer.vocabulary_[word] = column
    output = _subprocess_refuses(_save(model, tmp_path, suffix))
    assert ".vocabulary_" in output


@pytest.mark.parametrize("estimator", ["SVC", "NuSVR"])
def test_libsvm_models_are_refused(tmp_path, estimator):
    import sklearn.svm

    model = getattr(sklearn.svm, estimator)().fit(np.eye(4), [0, 1, 0, 1])
    path = _save(model, tmp_path, ".pkl")
    with pytest.raises(UnsafeModelError, match=f"sklearn.svm._classes.{estimator}"):
        load_model(path)


@pytest.mark.parametrize("kind", [sp.csr_matrix, sp.csc_array, sp.coo_matrix])
def test_valid_sparse_attributes_load_rebuilt(tmp_path, kind):
    model = LogisticRegression().fit(np.eye(4), TOY_LABELS[:4])
    original = kind(model.coef_)
    model.coef_ = original
    loaded = load_model(_save(model, tmp_path, ".pkl"))
    assert type(loaded.coef_) is kind and loaded.coef_ is not original
    assert np.array_equal(loaded.coef_.toarray(), original.toarray())
