"""Small briefing transcripts in both source layouts, written for the tests.

Every name, place and sentence here is invented; none is copied from a
transcript. The layouts follow the two collections DenialBench-Real reads:
Markdown with YAML front matter (2021-2025) and an ``<h1>`` line followed by
a Python bytes literal of HTML (2009-2016), numbered by index pages.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

NBSP = "\u00a0"

MD_URL = "https://example.gov/briefing-room/press-briefings/2023/03/14/press-briefing-alex-doe/"
MD_URL_2 = "https://example.gov/briefing-room/press-briefings/2023/03/28/press-gaggle-alex-doe/"

MARKDOWN_BRIEFING = f"""---
date: '2023-03-14'
source_url: {MD_URL}
tags: press-briefings
title: "Press Briefing by Press Secretary Alex\\_Doe and National Security Advisor\\
  \\ Sam Roe, March 14,\\_2023"
---
{NBSP}
James S. Brady Press Briefing Room

1:02 P.M. EDT{NBSP}{NBSP}

MS. DOE:{NBSP} Good afternoon.{NBSP} A few items at the top.{NBSP}{NBSP}

The \\[Department of Examples\\] announced a grant today.{NBSP}{NBSP}

Q{NBSP}{NBSP}{NBSP} Thank you.{NBSP} There are reports that the agency is closing
its office in Springfield.{NBSP} Is that true?{NBSP}{NBSP}

MS. DOE:{NBSP} No, that is not accurate.{NBSP} The office
stays open.{NBSP}{NBSP}

Go ahead, Taylor.{NBSP}{NBSP}

Q{NBSP}{NBSP}{NBSP} This is Pat Lee with the Example Ledger.{NBSP} Can you confirm
reports that the President will travel to Ottawa next week?

MS. DOE:{NBSP} I don’t have any travel to announce at this time.

Q    Thanks.{NBSP} On energy prices —

MS. DOE:{NBSP} Sure.

Q    Is it true that the pipeline review was delayed by a week?

MR. ROE:{NBSP} Yes, it was delayed by a week, and we will have more to say
soon.

Q    Do you have a schedule update for the summit in Lisbon?

MS. DOE:{NBSP} The schedule is being finalised.

Q    There were claims that the grant skipped the review process.

MODERATOR:{NBSP} Thanks, everybody.{NBSP} That’s all the time we have.

Thanks, everybody.

1:45 P.M. EDT
"""

MARKDOWN_BRIEFING_2 = f"""---
date: '2023-03-28'
source_url: {MD_URL_2}
tags: press-briefings
title: Press Gaggle by Press Secretary Alex Doe
---

MS. DOE:  Hello, everyone.

Q    There is a report that the embassy in Lisbon will close.  Is it accurate?

MS. DOE:  {" ".join(["word"] * 450)}

Q    Is it true that the ferry contract was cancelled?

MS. DOE:  We —
"""

OBAMA_URL_0 = "https://obamawhitehouse.archives.gov/the-press-office/2011/05/06/briefing-chris-poe"
OBAMA_URL_1 = "https://obamawhitehouse.archives.gov/the-press-office/2011/05/02/briefing-chris-poe"

_OBAMA_BODY_0 = (
    '<div class="field-items"><div class="field-item even">'
    '<p class="rtecenter">\n\tJames S. Brady Press Briefing Room</p>\n'
    "<p>\n\t12:30 P.M. EDT</p>\n"
    "<p>\n\tMR. POE: \u00a0Good afternoon, everybody.</p>\n"
    "<p>\n\tQ \u00a0 \u00a0There have been allegations that the embassy ignored two warnings."
    " \u00a0Do you deny that?</p>\n"
    "<p>\n\tMR. POE: \u00a0We reject that allegation entirely &mdash; the warnings were acted"
    " on the same day.</p>\n"
    "<p>\n\tNext question.</p>\n"
    "<p>\n\tQ \u00a0 \u00a0According to the <em>Daily Example</em>, the governor called the"
    " President about the flood. \u00a0Can you confirm that?</p>\n"
    "<p>\n\tMR. POE: \u00a0I can confirm that they spoke this morning.</p>\n"
    "<p>\n\tEND \u00a0 \u00a0 \u00a0 12:58 P.M. EDT</p>\n"
    "</div></div>"
)
_OBAMA_BODY_1 = (
    '<div class="field-items">'
    "<p>\n\tMR. POE: \u00a0Hi.</p>\n"
    "<p>\n\tQ \u00a0 \u00a0Is it true that the bridge funding was withdrawn last week?</p>\n"
    "<p>\n\tMR. POE: \u00a0I haven&rsquo;t seen that report.</p>\n"
    "</div>"
)


def obama_file(title: str, body: str) -> str:
    """A 2009-2016 file: the title line, then the body as a bytes literal."""
    return f"<h1>{title}</h1>\n" + str(body.encode("utf-8"))


def _index_row(n: int, href: str, title: str, date: str) -> str:
    return (
        f'<div class="views-row views-row-{n}">\n'
        f'<div class="views-field views-field-created"> <span class="field-content">{date}</span>'
        " </div>\n"
        f'<div class="views-field views-field-title"> <h3 class="field-content">'
        f'<a href="{href}">{title}</a></h3> </div> </div>\n'
    )


INDEX_PAGE = (
    "<html><body><h2>Press Briefings</h2>\n"
    '<div class="view-content">\n'
    + _index_row(
        1,
        "../the-press-office/2011/05/06/briefing-chris-poe",
        "Press Briefing by Press Secretary Chris Poe, 5/6/2011",
        "May 06, 2011",
    )
    + _index_row(
        2,
        "../the-press-office/2011/05/02/briefing-chris-poe",
        "Press Briefing by Press Secretary Chris Poe",
        "May 02, 2011",
    )
    + "</div></body></html>\n"
)


def write_wh_repo(root: Path) -> Path:
    """A folder in the wh-briefings layout with two briefings."""
    folder = root / "press-briefings" / "2023-03"
    folder.mkdir(parents=True)
    (folder / "2023-03-14-press-briefing.md").write_text(MARKDOWN_BRIEFING, encoding="utf-8")
    (folder / "2023-03-28-press-gaggle.md").write_text(MARKDOWN_BRIEFING_2, encoding="utf-8")
    (root / "speeches-remarks").mkdir()
    (root / "speeches-remarks" / "ignored.md").write_text("not a briefing", encoding="utf-8")
    return root


def write_obama_repo(root: Path) -> Path:
    """A folder in the 2009-2016 layout: two briefings and one index page."""
    (root / "pressBriefings").mkdir(parents=True)
    (root / "indexPages").mkdir()
    (root / "indexPages" / "0.html").write_text(INDEX_PAGE, encoding="utf-8")
    files = {
        "0.html": obama_file(
            "Press Briefing by Press Secretary Chris Poe, 5/6/2011", _OBAMA_BODY_0
        ),
        "1.html": obama_file("Press Briefing by Press Secretary Chris Poe", _OBAMA_BODY_1),
    }
    for name, text in files.items():
        (root / "pressBriefings" / name).write_text(text, encoding="utf-8")
    return root


def as_bare_git(folder: Path, target: Path) -> Path:
    """Commit ``folder`` into a new repository and return a bare clone of it."""
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(target.parent),
    }

    def git(*args: str, cwd: Path) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    git("init", "-q", cwd=folder)
    git("add", "-A", cwd=folder)
    git("commit", "-q", "-m", "fixture", cwd=folder)
    git("clone", "-q", "--bare", str(folder), str(target), cwd=folder.parent)
    return target


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


# (question start, claim, response span) for each fixture exchange
EXTRACTIONS = [
    (
        "Thank you. There are reports",
        "Reports say the agency is closing its office in Springfield.",
        "No, that is not accurate. The office stays open.",
    ),
    (
        "Can you confirm reports",
        "Reports say the President will travel to Ottawa next week.",
        "I don’t have any travel to announce at this time.",
    ),
    (
        "Is it true that the pipeline",
        "Reports say the pipeline review was delayed by a week.",
        "Yes, it was delayed by a week, and we will have more to say soon.",
    ),
    (
        "There have been allegations",
        "It has been alleged that the embassy ignored two warnings.",
        "We reject that allegation entirely — the warnings were acted on the same day.",
    ),
    (
        "According to the Daily Example",
        "The Daily Example reported that the governor called the President about the flood.",
        "I can confirm that they spoke this morning.",
    ),
    ("Is it true that the bridge", None, None),  # skipped by the extractor
]
LABEL_VOTES = {
    "Thank you. There are reports": ["deny", "deny", "deny"],
    "Can you confirm reports": ["evade", "evade", "deny"],
    "Is it true that the pipeline": ["confirm", "confirm", "confirm"],
    "There have been allegations": ["deny", "evade", "confirm"],  # no 2/3 majority
    "According to the Daily Example": ["confirm", "confirm", "evade"],
}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def by_question_start(root: Path) -> dict[str, dict]:
    """The fixture candidates keyed by the start of their question."""
    candidates = _rows(root / "sources" / "real" / "candidates.jsonl")
    return {
        start: next(c for c in candidates if c["question"].startswith(start))
        for start, _, _ in EXTRACTIONS
    }


def make_real_root(tmp_path: Path) -> Path:
    """A corpus folder with candidates, extractions, items and three annotators' labels."""
    from denialbench.corpus._real_build import write_items
    from denialbench.corpus._real_pool import write_candidate_pool

    root = tmp_path / "corpus"
    write_candidate_pool(
        write_wh_repo(tmp_path / "wh"), write_obama_repo(tmp_path / "ob"), root / "sources" / "real"
    )
    by_start = by_question_start(root)
    rows = []
    for start, claim, response in EXTRACTIONS:
        item_id = by_start[start]["id"]
        if claim is None:
            rows.append({"id": item_id, "skip": "the reply does not address a claim"})
        else:
            rows.append({"id": item_id, "claim": claim, "response": response})
    write_jsonl(root / "sources" / "real" / "extractions" / "batch1.jsonl", rows)
    write_items(root)
    items = _rows(root / "sources" / "real" / "items.jsonl")
    annotations = []
    for item in items:
        start = next(s for s, c in by_start.items() if c["id"] == item["claim_exchange"])
        votes = LABEL_VOTES[start] if not item["constructed"] else ["unrelated"] * 3
        for annotator, label in zip(("a1", "a2", "a3"), votes, strict=True):
            annotations.append(
                {"id": item["id"], "annotator": annotator, "label": label, "subtype": None}
            )
    write_jsonl(root / "sources" / "real" / "annotations" / "all.jsonl", annotations)
    return root
