#!/usr/bin/env bash
# Maintainers: after any corpus change, retrain the baselines, re-add their
# leaderboard entries and regenerate every generated document.
set -euo pipefail
cd "$(dirname "$0")/.."
denialbench baselines train all --seed 0
rm -f leaderboard/*/*.json
out=$(mktemp -d)
for name in majority cue_rules response_only claim_only pair_tfidf pair_embedding; do
  [ -f "baselines/trained/$name.pkl" ] || continue
  extra=--no-extra-data
  [ "$name" = pair_embedding ] && extra=--extra-data  # a pretrained sentence encoder
  denialbench evaluate "baselines/trained/$name.pkl" --out "$out/$name.json" >/dev/null
  denialbench leaderboard add "$out/$name.json" --name "$name" --authors "DenialBench developers" \
    --url "baselines/trained/$name.md" $extra --test-unseen --baseline --date 2026-11-27
done
denialbench leaderboard render
denialbench docs
