"""The corpus version. Any change to corpus/data must bump it (see CHANGELOG.md).

`denialbench corpus build` refuses to write changed split files under an
unchanged version, and `corpus validate` checks data/checksums.json against it.
"""

CORPUS_VERSION = "2.1.0"
