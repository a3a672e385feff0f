from __future__ import annotations

import os

import pytest

from denialbench import InputError
from denialbench.corpus import iter_jsonl, write_jsonl
from denialbench.corpus._io import atomic_write_text, read_utf8_bytes


def test_atomic_write_replaces_whole_files_with_normal_permissions(tmp_path):
    path = tmp_path / "out.jsonl"
    write_jsonl(path, [{"a": 1}, {"b": "é"}])
    assert [obj for _, obj in iter_jsonl(path)] == [{"a": 1}, {"b": "é"}]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "keep.txt"
    atomic_write_text(path, "old\n")

    with pytest.raises(TypeError):
        atomic_write_text(path, 123)  # type: ignore[arg-type]  # write() refuses a non-str
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_bom_is_dropped_and_bad_bytes_are_located(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}\n')
    assert read_utf8_bytes(path) == b'{"a": 1}\n'
    path.write_bytes(b'{"a": 1}\n{"b": "\xe9"}\n')
    with pytest.raises(InputError, match=r"x.jsonl:2: not valid UTF-8"):
        read_utf8_bytes(path)
    with pytest.raises(InputError, match="is a folder"):
        read_utf8_bytes(tmp_path)


def test_a_deeply_nested_line_is_an_input_error(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": 1}\n{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    with pytest.raises(InputError, match=r"deep.jsonl:2: nested too deeply"):
        list(iter_jsonl(path))
