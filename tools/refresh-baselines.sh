#!/usr/bin/env bash
# Maintainers: after any corpus change, retrain the baselines, replace their
# leaderboard entries and regenerate every generated document.
#
# Only the baselines' own entries of the current corpus version are replaced
# (`leaderboard add --baseline --replace`, which re-runs each shipped model to
# check its predictions); outside submissions and older-version entries are
# kept. The date is today's (the default of `leaderboard add`).
set -euo pipefail
cd "$(dirname "$0")/.."
denialbench baselines train all --seed 0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for name in majority cue_rules response_only claim_only pair_tfidf pair_embedding; do
  [ -f "baselines/trained/$name.pkl" ] || continue
  extra=--no-extra-data
  [ "$name" = pair_embedding ] && extra=--extra-data  # a pretrained sentence encoder
  denialbench evaluate "baselines/trained/$name.pkl" --out "$out/$name.json" >/dev/null
  denialbench leaderboard add "$out/$name.json" --name "$name" --authors "DenialBench developers" \
    --url "baselines/trained/$name.md" $extra --test-unseen --baseline --replace
done
denialbench leaderboard rescore  # outside entries: figures of metrics or slices added since
denialbench leaderboard render
denialbench docs
