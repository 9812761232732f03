"""Your own types join the classifier: how often a user type's profile recognises its documents,
and how often it takes other documents for its own.

Usage: python benchmarks/type_recognition.py DIR --others NAME=GLOB ... [--folds 4] --json FILE

DIR is a labelled folder of one user type (`scripts/make_facturx_labels.py` makes one from
the shared Factur-X PDFs). It is cut into `--folds` parts (seed 0); each part in turn is held
back while the type's profile (`learning.type_profile`) is learnt from the rest. Reported:

* recall: the held-back documents the profile matches (at least `MATCH_AT` of its words),
  which the pipeline types as the user type;
* for each `--others` set (documents of other kinds): the share matched, pooled over the
  folds (each document is matched against each fold's profile).

Pages are read as the pipeline reads them (text layer, else OCR; results cached).
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import sys
from pathlib import Path
from typing import Any

from paperclerk.datasets.labelled_folder import labelled_files
from paperclerk.datasets.ocr_cache import read_pages_cached
from paperclerk.engines.registry import get_engine
from paperclerk.learning.type_profile import MATCH_AT, learn_profile
from paperclerk.model import Page
from paperclerk.settings import get_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--others", nargs="*", default=[], help="NAME=GLOB of other documents")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    settings = get_settings()
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    own = [
        read_pages_cached(f.path, engine, settings.cache_dir)
        for f in labelled_files(Path(args.folder))
    ]
    others: dict[str, list[list[Page]]] = {}
    for spec in args.others:
        name, _, pattern = spec.partition("=")
        paths = sorted(glob.glob(pattern))
        others[name] = [read_pages_cached(Path(p), engine, settings.cache_dir) for p in paths]
    order = list(range(len(own)))
    random.Random(0).shuffle(order)
    parts = [order[i :: args.folds] for i in range(args.folds)]
    counts: dict[str, dict[str, int]] = {"own": {"documents": 0, "matched": 0}}
    counts |= {n: {"documents": 0, "matched": 0} for n in others}
    words = []
    for k, held in enumerate(parts):
        train = [own[i] for j, part in enumerate(parts) if j != k for i in part]
        profile = learn_profile(train)
        words.append(len(profile.words))
        sets = {"own": [own[i] for i in held], **others}
        for name, docs in sets.items():
            for pages in docs:
                share = profile.match(pages)
                counts[name]["documents"] += 1
                counts[name]["matched"] += share >= MATCH_AT
    rows: dict[str, Any] = {}
    for name, c in counts.items():
        n = max(c["documents"], 1)
        rows[name] = {**c, "matched_share": round(c["matched"] / n, 4)}
    report = {"folds": args.folds, "profile_words": words, "match_at": MATCH_AT, "sets": rows}
    print(f"profile words per fold: {words}")
    print(f"{'set':<16}{'documents':>10}{'matched':>10}")
    for name, r in rows.items():
        print(f"{name:<16}{r['documents']:>10}{r['matched_share']:>10.3f}")
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
