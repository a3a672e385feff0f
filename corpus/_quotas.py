"""The corpus quotas (2.0.0), each a named, documented threshold.

`corpus validate` checks every one of them; `corpus stats` reports the
measured values next to them.
"""

from __future__ import annotations

__all__ = ["QUOTAS"]

QUOTAS: dict[str, float] = {
    "min_items": 10000,
    "min_test": 3000,
    "min_validation": 800,
    # blind annotator labels per validation and test item
    "min_blind_labels": 3,
    # label share bounds, in every split
    "deny_min": 0.35,
    "deny_max": 0.45,
    "confirm_min": 0.15,
    "confirm_max": 0.25,
    "evade_min": 0.20,
    "evade_max": 0.30,
    "unrelated_min": 0.10,
    "unrelated_max": 0.20,
    "min_domains": 6,
    "min_domain_share": 0.08,
    # every subtype at least this share of its label's items
    "min_subtype_share": 0.10,
    # cue quotas, over the denial-cue lexicon
    "min_deny_no_cue_share": 0.35,
    "min_nondeny_cue_share": 0.25,
    # share of items in a contrast pair (claim side or response side)
    "min_contrast_share": 0.70,
    # share of unrelated items that name an entity or the speaker of the claim
    "min_unrelated_shared_entity": 0.70,
    # near-duplicate threshold (character 5-gram Jaccard) across splits
    "near_duplicate_jaccard": 0.8,
    # two responses at least this similar count as "minimally edited"
    "minimal_edit_jaccard": 0.5,
    # a response this long (words) is tagged `long`
    "long_words": 60,
}
