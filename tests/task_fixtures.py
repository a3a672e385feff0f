"""Tiny copies of the FNC-1, Emergent and RumourEval 2019 release layouts.

The text is invented here; nothing is copied from the datasets. Each writer
reproduces the release's file names, columns and JSON shapes, and the quirks
the readers must survive: byte-order marks, CRLF line endings, quoted
multi-line fields, repeated rows, Twitter and Reddit thread folders.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
import zipfile
from pathlib import Path

BOM = "\ufeff"

# (headline, body id, stance); the same pair twice, as the FNC-1 release has repeats
FNC1_STANCES = [
    ("Mayor of Lakeview resigns over bridge contract", "7", "disagree"),
    ("Mayor of Lakeview resigns over bridge contract", "7", "disagree"),
    ("Mayor of Lakeview resigns over bridge contract", "9", "agree"),
    ("Rare orange frog found in city park", "9", "unrelated"),
    ("Rare orange frog found in city park", "12", "discuss"),
    ("Rare orange frog found in city park", "12", "agree"),
]
FNC1_BODIES = {
    "7": 'The mayor\'s office said on Monday that "no resignation" was ever offered.\n\n'
    "She will attend the council meeting, a spokesman said.",
    "9": "The mayor of Lakeview stepped down on Sunday, citing the bridge contract, "
    "according to a statement.",
    "12": "A local naturalist reports an orange frog, though experts have yet to confirm it.",
}


def _csv_text(header: list[str], rows: list[list[str]], *, crlf: bool, bom: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (BOM if bom else "") + buffer.getvalue()


def write_fnc1(folder: Path, split: str = "test") -> Path:
    """competition_test_{stances,bodies}.csv (or train_*): BOM, CRLF, quoted newlines."""
    stances, bodies = {
        "test": ("competition_test_stances.csv", "competition_test_bodies.csv"),
        "train": ("train_stances.csv", "train_bodies.csv"),
    }[split]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stances).write_bytes(
        _csv_text(
            ["Headline", "Body ID", "Stance"], [list(r) for r in FNC1_STANCES], crlf=True, bom=True
        ).encode("utf-8")
    )
    (folder / bodies).write_bytes(
        _csv_text(
            ["Body ID", "articleBody"],
            [[k, v] for k, v in FNC1_BODIES.items()],
            crlf=True,
            bom=True,
        ).encode("utf-8")
    )
    return folder


# (claimId, articleId, claimHeadline, articleHeadline, stance)
EMERGENT_ROWS = [
    (
        "c1",
        "a1",
        "Singer to open a bakery in Oslo",
        'Singer\'s "bakery" plans are false, agent says',
        "against",
    ),
    (
        "c1",
        "a2",
        "Singer to open a bakery in Oslo",
        "Singer opens bakery, hires three bakers",
        "for",
    ),
    (
        "c1",
        "a3",
        "Singer to open a bakery in Oslo",
        "Reports: singer, 30, may open a bakery",
        "observing",
    ),
    (
        "c2",
        "a4",
        "Robot vacuum climbs stairs",
        "Firm denies its vacuum can climb stairs",
        "against",
    ),
    (
        "c2",
        "a4",
        "Robot vacuum climbs stairs",
        "Firm denies its vacuum can climb stairs",
        "against",
    ),
    ("c2", "a5", "Robot vacuum climbs stairs", "Vacuum climbs stairs, video shows", "for"),
]


def write_emergent(folder: Path) -> Path:
    """url-versions-2015-06-14-clean-{train,test}.csv with an index column and a BOM."""
    folder.mkdir(parents=True, exist_ok=True)
    header = [
        "",
        "claimId",
        "claimHeadline",
        "articleId",
        "articleHeadline",
        "articleHeadlineStance",
    ]
    rows = [[str(i), c, ch, a, ah, s] for i, (c, a, ch, ah, s) in enumerate(EMERGENT_ROWS)]
    for split in ("train", "test"):
        (folder / f"url-versions-2015-06-14-clean-{split}.csv").write_bytes(
            _csv_text(header, rows, crlf=split == "test", bom=True).encode("utf-8")
        )
    return folder


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), "utf-8")


def _twitter_thread(root: Path, source: tuple[str, str], replies: dict[str, str]) -> None:
    sid, text = source
    _write_json(root / sid / "source-tweet" / f"{sid}.json", {"id_str": sid, "text": text})
    for rid, reply in replies.items():
        _write_json(root / sid / "replies" / f"{rid}.json", {"id_str": rid, "text": reply})


def _reddit_thread(root: Path, thread: str, source: tuple[str, str, str], replies: dict[str, str]):
    sid, title, selftext = source
    listing = {
        "kind": "Listing",
        "data": {
            "children": [{"kind": "t3", "data": {"id": sid, "title": title, "selftext": selftext}}]
        },
    }
    _write_json(root / thread / "source-tweet" / f"{sid}.json", listing)
    for rid, body in replies.items():
        _write_json(
            root / thread / "replies" / f"{rid}.json",
            {"kind": "t1", "data": {"id": rid, "body": body}},
        )


def write_rumoureval(folder: Path) -> Path:
    """rumoureval-2019-training-data/ and rumoureval-2019-test-data/ with key files."""
    train = folder / "rumoureval-2019-training-data"
    _twitter_thread(
        train / "twitter-english" / "harbourfire",
        ("100", "Fire reported at the harbour warehouse tonight"),
        {
            "101": "That is not true, I am standing there and nothing is burning",
            "102": "Is there a source for this?",
            "103": "Stay safe everyone",
        },
    )
    _reddit_thread(
        train / "reddit-training-data",
        "t3_abc",
        ("abc", "Museum to close for a year", "Saw this on the local board."),
        {"abd": "Confirmed, my friend works there and they announced it", "abe": "lol"},
    )
    _reddit_thread(
        train / "reddit-dev-data",
        "t3_xyz",
        ("xyz", "Train line to reopen Monday", ""),
        {"xya": "Nope, the operator says it stays shut", "xyb": "Where did you read that?"},
    )
    _write_json(
        train / "train-key.json",
        {
            "subtaskaenglish": {
                "100": "support",
                "101": "deny",
                "102": "query",
                "103": "comment",
                "abc": "support",
                "abd": "support",
                "abe": "comment",
                "gone": "deny",
            },
            "subtaskbenglish": {"100": "false"},
        },
    )
    _write_json(
        train / "dev-key.json",
        {"subtaskaenglish": {"xya": "deny", "xyb": "query"}, "subtaskbenglish": {}},
    )
    test = folder / "rumoureval-2019-test-data"
    _twitter_thread(
        test / "twitter-en-test-data" / "dam",
        ("200", "The dam upstream has cracked"),
        {
            "201": "Officials say the dam is fine",
            "202": "Any photos?",
            "203": "The cracks are visible from the road, it's real",
            "204": "Following",
        },
    )
    _reddit_thread(
        test / "reddit-test-data",
        "t3_q",
        ("q1", "Library fines abolished", "From the council site"),
        {"q2": "Not true, still paying them"},
    )
    _write_json(
        folder / "final-eval-key.json",
        {
            "subtaskaenglish": {
                "201": "deny",
                "202": "query",
                "203": "support",
                "204": "comment",
                "q2": "deny",
            }
        },
    )
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"{folder.name}/{file.relative_to(folder).as_posix()}")
    return target


def tar_folder(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return target
