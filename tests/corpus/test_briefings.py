"""Parsing both briefing layouts into turns (fixtures written for the tests)."""

from __future__ import annotations

import pytest
from real_fixtures import (
    MARKDOWN_BRIEFING,
    MD_URL,
    OBAMA_URL_0,
    OBAMA_URL_1,
    as_bare_git,
    obama_file,
    write_obama_repo,
    write_wh_repo,
)

from denialbench import InputError
from denialbench.corpus._briefing_sources import (
    SourceRepo,
    index_links,
    read_obama_briefings,
    read_wh_briefings,
)
from denialbench.corpus._briefings import (
    normalize_space,
    parse_html_briefing,
    parse_markdown_briefing,
    split_turns,
)
from denialbench.corpus._speakers import SpeakerResolver, speaker_from_title


def test_markdown_metadata_and_escapes():
    briefing = parse_markdown_briefing(MARKDOWN_BRIEFING, "x.md")
    assert briefing.date == "2023-03-14"
    assert briefing.source_url == MD_URL
    assert briefing.title == (
        "Press Briefing by Press Secretary Alex Doe and National Security Advisor Sam Roe, "
        "March 14, 2023"
    )
    opening = briefing.turns[0]
    assert opening.label == "MS. DOE"
    # the Markdown escapes go, the brackets stay; the place and time lines are dropped
    assert opening.text.endswith("The [Department of Examples] announced a grant today.")
    assert "Brady" not in opening.text


def test_markdown_turns_join_lines_and_keep_call_ons_in_the_officials_turn():
    turns = parse_markdown_briefing(MARKDOWN_BRIEFING, "x.md").turns
    labels = [t.label for t in turns]
    assert labels[:4] == ["MS. DOE", "Q", "MS. DOE", "Q"]
    assert turns[1].text == (
        "Thank you. There are reports that the agency is closing its office in Springfield. "
        "Is that true?"
    )
    # a continuation paragraph ("Go ahead, Taylor.") belongs to the official's turn
    assert turns[2].text == "No, that is not accurate. The office stays open. Go ahead, Taylor."
    assert turns[8].label == "MR. ROE"


def test_markdown_end_time_closes_the_last_turn():
    turns = parse_markdown_briefing(MARKDOWN_BRIEFING, "x.md").turns
    assert turns[-1].label == "MODERATOR"
    assert "P.M." not in turns[-1].text


def test_markdown_without_front_matter_is_refused():
    with pytest.raises(ValueError, match=r"x\.md: no YAML front matter"):
        parse_markdown_briefing("MS. DOE:  Hi.", "x.md")


def test_markdown_front_matter_needs_url_date_title():
    with pytest.raises(ValueError, match="lacks source_url"):
        parse_markdown_briefing("---\ndate: '2023-01-01'\ntitle: T\n---\nQ  Hi?\n", "x.md")


def test_html_briefing_from_a_bytes_literal():
    body = "<p>\n\tMR. POE: \u00a0Hello &amp; welcome.</p>\n<p>\n\tQ \u00a0 \u00a0Is it so?</p>"
    text = obama_file("Briefing by Chris Poe, 5/6/2011", body)
    assert text.splitlines()[1].startswith("b'")  # the layout of the source files
    briefing = parse_html_briefing(text, "0.html", date="2011-05-06", source_url=OBAMA_URL_0)
    assert briefing.title == "Briefing by Chris Poe, 5/6/2011"
    assert [(t.label, t.text) for t in briefing.turns] == [
        ("MR. POE", "Hello & welcome."),
        ("Q", "Is it so?"),
    ]


def test_html_briefing_without_title_line_names_the_file():
    with pytest.raises(ValueError, match=r"7\.html:1"):
        parse_html_briefing("b'<p>x</p>'", "7.html", date="2011-01-01", source_url="https://x")


def test_question_with_a_bracketed_name_keeps_the_name_out_of_the_text():
    turns = split_turns(["Q (Jordan Diaz):  Is that true?", "MS. DOE:  Yes."])
    assert turns[0].text == "Is that true?"
    assert turns[0].asked_by == "Jordan Diaz"


def test_words_starting_with_q_are_not_questions():
    turns = split_turns(["MS. DOE:  Hi.", "QFRs were filed on time.", "Qatar is next."])
    assert len(turns) == 1
    assert turns[0].text == "Hi. QFRs were filed on time. Qatar is next."


def test_normalize_space_drops_invisible_characters():
    assert normalize_space("COVID-\u206019\u00a0 cases\n") == "COVID-19 cases"


def test_index_pages_give_url_and_date_in_file_order(tmp_path):
    repo = SourceRepo.open(write_obama_repo(tmp_path / "obama"))
    pages = list(repo.read_many(repo.files("indexPages")))
    links = index_links(pages)
    assert [(url, date) for url, _, date in links] == [
        (OBAMA_URL_0, "2011-05-06"),
        (OBAMA_URL_1, "2011-05-02"),
    ]
    briefings, mismatched = read_obama_briefings(repo)
    assert mismatched == 0
    assert [b.source_url for b in briefings] == [OBAMA_URL_0, OBAMA_URL_1]
    assert briefings[0].turns[2].text.startswith("We reject that allegation entirely — the")


def test_a_title_that_differs_from_its_index_link_is_counted(tmp_path):
    root = write_obama_repo(tmp_path / "obama")
    (root / "pressBriefings" / "1.html").write_text(obama_file("Another title", "<p>Q  Hi?</p>"))
    _, mismatched = read_obama_briefings(SourceRepo.open(root))
    assert mismatched == 1


def test_more_files_than_index_links_is_an_input_error(tmp_path):
    root = write_obama_repo(tmp_path / "obama")
    (root / "pressBriefings" / "2.html").write_text(obama_file("T", "<p>Q  Hi?</p>"))
    with pytest.raises(InputError, match="3 briefings but only 2 index links"):
        read_obama_briefings(SourceRepo.open(root))


def test_bare_git_snapshot_reads_like_the_folder(tmp_path):
    folder = write_wh_repo(tmp_path / "wh")
    bare = as_bare_git(folder, tmp_path / "wh.git")
    from_git, from_folder = SourceRepo.open(bare), SourceRepo.open(folder)
    assert from_git.commit is not None and len(from_git.commit) == 40
    assert read_wh_briefings(from_git) == read_wh_briefings(from_folder)


def test_a_folder_without_briefings_is_refused(tmp_path):
    (tmp_path / "press-briefings").mkdir()
    with pytest.raises(InputError, match="no press-briefings"):
        read_wh_briefings(SourceRepo.open(tmp_path))


def test_missing_source_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        SourceRepo.open(tmp_path / "absent")


@pytest.mark.parametrize(
    ("label", "title", "name", "post"),
    [
        (
            "MS. DOE",
            "Press Briefing by Press Secretary Alex Doe, March 1, 2023",
            "Alex Doe",
            "Press Secretary",
        ),
        (
            "MR. ROE",
            "Press Briefing by Press Secretary Alex Doe and National Security Advisor Sam Roe",
            "Sam Roe",
            "National Security Advisor",
        ),
        (
            "DR. VANCE",
            "Briefing by Secretary of Health and Human Services Dr. Lee Vance",
            "Lee Vance",
            "Secretary of Health and Human Services",
        ),
    ],
)
def test_speaker_name_and_post_from_the_title(label, title, name, post):
    speaker = speaker_from_title(label, title)
    assert speaker is not None
    assert (speaker.name, speaker.title) == (name, post)


def test_role_labels_are_never_matched_to_a_name():
    assert speaker_from_title("SENIOR ADMINISTRATION OFFICIAL", "Call by a Senior Official") is None


def test_speaker_falls_back_to_the_nearest_briefing_then_the_label():
    resolver = SpeakerResolver(
        [("2023-01-02", "Press Briefing by Press Secretary Alex Doe"), ("2023-01-03", "Gaggle")]
    )
    assert resolver.resolve("MS. DOE", "Gaggle", "2023-01-03").name == "Alex Doe"
    fallback = resolver.resolve("MR. KING", "Gaggle", "2023-01-03")
    assert (fallback.name, fallback.title) == ("Mr. King", None)
