"""Your own fields: the learning curve of a user type's extractor (5, 10, 20, all examples).

Usage: python benchmarks/fields_curve.py DIR [--folds 4 | --by-source] [--sizes 5 10 20 0]
       [--seed 0] [--field NAME=TYPE ...] [--misses] --json FILE

DIR is a labelled folder (`<id>.pdf` beside `<id>.labels.json`, for instance made by
`scripts/make_facturx_labels.py` from the shared Factur-X PDFs). The documents are
shuffled (`--seed`, 0 by default) and cut into `--folds` parts; each part in turn is held
back and the extractor trains on the first N of the others (0: all of them). With
`--by-source` each source's documents are held back in turn instead, so every document is
read by a model that saw none of its producer's layouts. Writes per
size the micro-F1 over every held-back labelled value (counts pooled over the folds), per
field, per source (the part of a file name before `__`, the producer of the shared
Factur-X samples: a layout the training examples share reads better than a new one), and
the median training time, reading with the text layer (OCR only for pages without one).
With `--misses`, every held-back value read wrong is printed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from paperclerk.datasets.labelled_folder import field_names, labelled_files
from paperclerk.engines.registry import get_engine
from paperclerk.learning.custom_fields import FieldSpec, TypeSpec, train_custom_fields
from paperclerk.learning.custom_training import Score, compare, load_labelled
from paperclerk.learning.field_spans import ValueType
from paperclerk.settings import get_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20, 0])
    parser.add_argument("--seed", type=int, default=0, help="how the documents are shuffled")
    parser.add_argument("--json", required=True, help="where to write the figures")
    parser.add_argument(
        "--field", action="append", default=[], help="NAME=TYPE: a value type other than text"
    )
    parser.add_argument("--misses", action="store_true", help="print every value read wrong")
    parser.add_argument(
        "--by-source",
        action="store_true",
        help="hold back one source at a time (the part of a file name before __) instead of folds",
    )
    args = parser.parse_args()
    settings = get_settings()
    files = labelled_files(Path(args.folder))
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    documents = load_labelled(files, engine, settings.cache_dir)
    declared = dict(item.split("=", 1) for item in args.field)
    spec = TypeSpec(
        name="curve",
        fields=[
            FieldSpec(name=n, value_type=ValueType(declared.get(n, "text")))
            for n in field_names(files)
        ],
    )
    order = documents[:]
    random.Random(args.seed).shuffle(order)
    if args.by_source:
        parts = [[d for d in order if _source(d.id) == name]
                 for name in sorted({_source(d.id) for d in order})]  # fmt: skip
    else:
        parts = [order[i :: args.folds] for i in range(args.folds)]
    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        tally: dict[str, Score] = {}
        by_source: dict[str, Score] = {}
        seconds = []
        trained_on = []
        for k, held in enumerate(parts):
            others = [d for j, part in enumerate(parts) if j != k for d in part]
            train = others[:size] if size else others
            started = time.perf_counter()
            model, _ = train_custom_fields(spec, train)
            seconds.append(time.perf_counter() - started)
            trained_on.append(len(train))
            for doc in held:
                source = _source(doc.id)
                for c in compare(model, doc, model.extract(doc.pages)):
                    for into in (tally.setdefault(c.field, Score()),
                                 by_source.setdefault(source, Score())):  # fmt: skip
                        into.expected += 1
                        into.predicted += c.predicted is not None
                        into.correct += c.right
                    if args.misses and not c.right:
                        print(f"{size or 'all'}\t{doc.id}\t{c.field}\t{c.expected!r}\t"
                              f"{c.predicted!r}", file=sys.stderr)  # fmt: skip
        total = Score(*(sum(getattr(t, k) for t in tally.values())
                        for k in ("expected", "predicted", "correct")))  # fmt: skip
        row = {
            "examples": size or "all",
            "trained_on": trained_on,
            "micro_f1": round(total.f1, 4),
            "expected": total.expected,
            "fields": {n: round(t.f1, 4) for n, t in tally.items()},
            "sources": {
                n: {"expected": t.expected, "correct": t.correct, "f1": round(t.f1, 4)}
                for n, t in sorted(by_source.items())
            },
            "median_training_seconds": round(statistics.median(seconds), 1),
        }
        rows.append(row)
        print(f"{row['examples']!s:>5} examples: micro-F1 {row['micro_f1']:.3f} "
              f"({row['median_training_seconds']} s to train)", file=sys.stderr)  # fmt: skip
    figures = {
        "benchmark": "fields_curve",
        "folder": args.folder,
        "documents": len(documents),
        "folds": "by source" if args.by_source else args.folds,
        "fields": [f.name for f in spec.fields],
        "value_types": {f.name: f.value_type.value for f in spec.fields},
        "curve": rows,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(figures, indent=2))
    names = figures["fields"]
    print(
        f"{'examples':>9}{'micro-F1':>10}"
        + "".join(f"{n[:16]:>18}" for n in names)
        + f"{'train s':>9}"
    )
    for row in rows:
        cells = "".join(f"{row['fields'].get(n, 0.0):>18.3f}" for n in names)
        print(
            f"{row['examples']!s:>9}{row['micro_f1']:>10.3f}{cells}{row['median_training_seconds']:>9}"
        )
    return 0


def _source(doc_id: str) -> str:
    """Return a document's source: the part of its file name before `__` (`-` when none)."""
    return doc_id.split("__", 1)[0] if "__" in doc_id else "-"


if __name__ == "__main__":
    sys.exit(main())
