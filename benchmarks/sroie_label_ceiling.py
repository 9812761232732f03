"""How well can any page reader score on SROIE names and addresses? An upper bound from the labels.

The SROIE keys were typed by people, separately from the word transcription in box/. Where
the key's text is nowhere on the page (not even in the transcription the annotators made of
the same receipt), no extractor reading the page can produce it; and where one merchant's
keys disagree with each other, no memory of that merchant can produce it either. This script
measures both, per text field, so accuracy bars can be set against what the labels allow:

- `joined lines`: the key equals (after collapsing whitespace, upper case) some run of
  consecutive lines of box/, joined with single spaces: reachable by reading lines as printed;
- `inside lines`: the key is a substring of such a run (a reader must also cut inside lines);
- `ignoring spaces`: the key is there once all spaces are dropped (a reader must also
  re-space the words the way the annotator did);
- `merchant agrees`: among receipts whose merchant has at least two other receipts, all with
  one and the same key, the share whose own key is that same text (what a perfect memory
  can reach).

    python benchmarks/sroie_label_ceiling.py ../shared/data/sroie \
        --json benchmarks/results/sroie_label_ceiling.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from paperclerk.datasets.dataset import in_validation
from paperclerk.learning.memory import name_key

FIELDS = ("company", "address")
MAX_LINES = 8


def _norm(text: str) -> str:
    return " ".join(text.split()).upper()


def _box_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text(errors="ignore").splitlines():
        parts = raw.split(",", 8)
        if len(parts) == 9:
            lines.append(parts[8].strip())
    return lines


def reachability(key: str, lines: list[str]) -> dict[str, bool]:
    """Say in which of the three ways the key's text is on the transcribed page."""
    want = _norm(key)
    bare = want.replace(" ", "")
    found = {"joined lines": False, "inside lines": False, "ignoring spaces": False}
    for i in range(len(lines)):
        for j in range(i + 1, min(len(lines), i + MAX_LINES) + 1):
            run = _norm(" ".join(lines[i:j]))
            found["joined lines"] |= run == want
            found["inside lines"] |= want in run
            found["ignoring spaces"] |= bare in run.replace(" ", "")
    return found


def merchant_agreement(keys: dict[str, dict[str, str]], field: str) -> tuple[int, int]:
    """Count receipts whose key matches the unanimous key of ≥ 2 other receipts of the merchant."""
    by_merchant: dict[str, list[str]] = defaultdict(list)
    for key in keys.values():
        by_merchant[name_key(key.get("company", ""))].append(_norm(key.get(field, "")))
    agree = total = 0
    for values in by_merchant.values():
        for i, own in enumerate(values):
            others = Counter(values[:i] + values[i + 1 :])
            if len(others) == 1 and sum(others.values()) >= 2:
                total += 1
                agree += next(iter(others)) == own
    return agree, total


def main() -> None:
    """Print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sroie", type=Path, help="SROIE-layout folder (box/, key/)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    keys = {p.stem: json.loads(p.read_text()) for p in sorted((args.sroie / "key").glob("*"))}
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for split in ("all", "validation"):
        ids = [k for k in keys if split == "all" or in_validation(f"sroie/{k}")]
        rows[split] = {}
        for field in FIELDS:
            counts: Counter[str] = Counter()
            n = 0
            for sid in ids:
                value = keys[sid].get(field, "")
                if not value:
                    continue
                n += 1
                found = reachability(value, _box_lines(args.sroie / "box" / f"{sid}.txt"))
                counts.update(k for k, v in found.items() if v)
            rows[split][field] = {k: round(counts[k] / n, 4) for k in ("joined lines",
                                  "inside lines", "ignoring spaces")} | {"receipts": n}  # fmt: skip
    agreement = {field: merchant_agreement(keys, field) for field in FIELDS}
    print(f"{'split':<11} {'field':<8} {'joined lines':>13} {'inside lines':>13} "
          f"{'ignoring spaces':>16} {'receipts':>9}")  # fmt: skip
    for split, fields in rows.items():
        for field, r in fields.items():
            print(f"{split:<11} {field:<8} {r['joined lines']:>13.3f} {r['inside lines']:>13.3f} "
                  f"{r['ignoring spaces']:>16.3f} {int(r['receipts']):>9}")  # fmt: skip
    for field, (agree, total) in agreement.items():
        print(f"merchant agrees ({field}): {agree}/{total} = {agree / total:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "reachability": rows,
            "merchant_agrees": {f: {"agree": a, "receipts": t} for f, (a, t) in agreement.items()},
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
