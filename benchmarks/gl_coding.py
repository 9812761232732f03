"""GL account / cost centre coding: replay of the shared e-invoices with a hidden coding.

The e-invoices of ../shared/data/einvoices/{ubl,cii}/*.xml are read with paperclerk's own
reader (`einvoice.document_from_xml`, as the worker does) and replayed in a fixed order
(UBL then CII, by file name). For each invoice, every line is first suggested from the
history so far (`payables.coding.suggest_line`, the function the worker and the API use),
then "confirmed" with its hidden true coding and added to the history, as a bookkeeper
confirming the suggestions would.

The hidden truth is synthetic, seeded, and never read by the model:
- a chart of 15 expense accounts; each seller (its coding supplier key: VAT id, else
  name) has a main account; each (seller, normalised item name) gets the seller's main
  account with probability 0.6, else one drawn uniformly from the chart — so repeats of
  an item at a supplier keep their account, as in real books, and a supplier's different
  items often but not always share one;
- the cost centre is fixed per buyer (one of 6, drawn from the buyer's name).

What this measures, honestly: memory and fuzzy matching — how well the coding of an item
seen before at the same supplier (or a near-identical text) comes back, and whether the
confidence says when it does not. It says nothing about generalising to new items: the
account of an item never seen is, by construction, only guessable from the supplier's
main account. The shared set repeats many invoices (the same examples in UBL and CII,
XRechnung variants), so the share of lines "seen before" is printed beside the accuracy:
read accuracy against it. Cost centres follow the buyer, which the model does not look
at; their figures show how far the supplier's and the text's history carry them.

    .venv/bin/python benchmarks/gl_coding.py [--json FILE] [--fit] [--shared DIR]

`--fit` fits the GL account confidence map (isotonic regression of "top-1 right" on the
raw score, scikit-learn, read at raw 0, 0.05, …, 1, clipped to [0.01, 0.99]) on this
replay and prints it as the `CALIBRATION` table of `payables.coding`. The confidences of
the shipped table are in-sample on this replay, so the ECE of the same map cross-fitted
on odd/even invoices is reported too: that is the figure to trust. Cost centres are not
fitted here (their synthetic truth, one per buyer, is far easier than real books): they
use the account map, and their figures show how conservative it is for them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

from paperclerk.einvoice.document import document_from_xml
from paperclerk.errors import PaperclerkError
from paperclerk.payables import coding
from paperclerk.payables.coding import CodedLine, normalise_text, rank_line, supplier_keys
from paperclerk.payables.matching import invoice_party

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "einvoices"
RESULTS = Path(__file__).parent / "results" / "gl_coding.json"
SEED = "gl-coding-v1"
CHART = [
    "4100", "4200", "4210", "4240", "4360", "4500", "4600", "4650",
    "4700", "4806", "4900", "4920", "4930", "4950", "4980",
]  # fmt: skip
CENTRES = ["CC-10", "CC-20", "CC-30", "CC-40", "CC-50", "CC-60"]
THRESHOLDS = (0.5, 0.8, 0.9, 0.95)
MAIN_SHARE = 0.6


def _draw(*parts: str) -> float:
    """Return a deterministic number in [0, 1) from the seed and `parts`."""
    digest = hashlib.sha256("\x1f".join((SEED, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _pick(options: list[str], *parts: str) -> str:
    return options[int(_draw(*parts) * len(options))]


def true_account(seller: str, item: str) -> str:
    """The hidden account of an item at a seller (see the module docstring)."""
    if _draw("main?", seller, item) < MAIN_SHARE:
        return _pick(CHART, "main", seller)
    return _pick(CHART, "item", seller, item)


@dataclass
class Line:
    invoice: int
    seller: str
    keys: list[str]
    text: str
    account: str
    centre: str


def load_lines(root: Path) -> tuple[list[Line], int, int]:
    """Return every invoice line in replay order, and the invoices read and skipped."""
    lines: list[Line] = []
    read = skipped = 0
    for folder in ("ubl", "cii"):
        for path in sorted((root / folder).glob("*.xml")):
            data = path.read_bytes()
            try:
                doc = document_from_xml(
                    data, sha256="0" * 64, media_type="application/xml", size_bytes=len(data)
                )
            except PaperclerkError:
                skipped += 1
                continue
            keys = supplier_keys(None, invoice_party(doc))
            if not keys or not doc.line_items:
                skipped += 1
                continue
            buyer = normalise_text(str(doc.value("customer_name") or "")) or "unknown"
            for i in range(len(doc.line_items)):
                text = coding.line_text(doc, i)
                item = normalise_text(text)
                if not item:
                    continue
                lines.append(
                    Line(
                        read,
                        keys[0],
                        keys,
                        text,
                        true_account(keys[0], item),
                        _pick(CENTRES, "centre", buyer),
                    )
                )
            read += 1
    return lines, read, skipped


@dataclass
class Outcome:
    invoice: int
    seen: bool
    account_raw: float | None
    account_right: bool
    centre_raw: float | None
    centre_right: bool


def replay(lines: list[Line]) -> list[Outcome]:
    """Suggest each invoice's lines from the history so far, then confirm them."""
    history: list[CodedLine] = []
    seen: set[tuple[str, str]] = set()
    out: list[Outcome] = []
    for n in sorted({line.invoice for line in lines}):
        batch = [line for line in lines if line.invoice == n]
        for line in batch:
            r = rank_line(history, line.keys, line.text)
            acc = r.accounts[0] if r else None
            cen = r.centres[0] if r and r.centres else None
            out.append(
                Outcome(
                    n,
                    (line.seller, normalise_text(line.text)) in seen,
                    acc[1] if acc else None,
                    acc is not None and acc[0] == line.account,
                    cen[1] if cen else None,
                    cen is not None and cen[0] == line.centre,
                )
            )
        for line in batch:
            history.append(CodedLine(line.seller, normalise_text(line.text), line.account,
                                     line.centre))  # fmt: skip
            seen.add((line.seller, normalise_text(line.text)))
    return out


def _fit(raw: np.ndarray, right: np.ndarray) -> IsotonicRegression:
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(raw, right.astype(float))
    return iso


def ece(conf: np.ndarray, right: np.ndarray, bins: int = 10) -> tuple[float, list[dict[str, Any]]]:
    """Expected calibration error (equal-width bins) and the reliability table."""
    table = []
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (conf >= lo) & ((conf < hi) if b < bins - 1 else (conf <= hi))
        if not mask.any():
            continue
        mean_conf, acc = float(conf[mask].mean()), float(right[mask].mean())
        total += mask.sum() / len(conf) * abs(mean_conf - acc)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(mask.sum()),
                      "confidence": round(mean_conf, 3), "accuracy": round(acc, 3)})  # fmt: skip
    return round(float(total), 4), table


def summarise(name: str, out: list[Outcome], conf_of: Any, right_of: Any) -> dict[str, Any]:
    """Coverage/accuracy at the thresholds, top-1 accuracy, ECE and reliability of a target."""
    n = len(out)
    conf = np.array([conf_of(o) for o in out], dtype=float)  # 0 without a suggestion
    right = np.array([right_of(o) for o in out], dtype=bool)
    suggested = np.array([o_raw is not None for o_raw in (conf_of(o, raw=True) for o in out)])
    at = {}
    for t in THRESHOLDS:
        mask = suggested & (conf >= t)
        at[str(t)] = {
            "coverage": round(float(mask.sum()) / n, 4),
            "accuracy": round(float(right[mask].mean()), 4) if mask.any() else None,
            "lines": int(mask.sum()),
        }
    error, table = ece(conf[suggested], right[suggested]) if suggested.any() else (None, [])
    return {
        "target": name,
        "lines": n,
        "suggested": round(float(suggested.mean()), 4),
        "top1_accuracy_all_lines": round(float(right.mean()), 4),
        "top1_accuracy_suggested": round(float(right[suggested].mean()), 4)
        if suggested.any()
        else None,
        "at_threshold": at,
        "ece": error,
        "reliability": table,
    }


def cross_fit_ece(raw: np.ndarray, right: np.ndarray, invoice: np.ndarray) -> float:
    """ECE of the isotonic map fitted on the other half of the invoices (odd/even)."""
    conf = np.zeros(len(raw))
    for half in (0, 1):
        test = invoice % 2 == half
        if test.all() or not test.any():
            continue
        conf[test] = _fit(raw[~test], right[~test]).predict(raw[test])
    return ece(conf, right)[0]


GRID = [i / 20 for i in range(21)]
FLOOR, CEILING = 0.01, 0.99
"""A memory is never sure: the map is clipped to [FLOOR, CEILING]."""


def fitted_table(raw: np.ndarray, right: np.ndarray) -> list[tuple[float, float]]:
    """The isotonic map of "right" on the raw score, read at raw 0, 0.05, …, 1, clipped."""
    ys = np.clip(_fit(raw, right).predict(GRID), FLOOR, CEILING)
    return [(x, round(float(y), 3)) for x, y in zip(GRID, ys, strict=True)]


def _arrays(out: list[Outcome], target: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    got = [o for o in out if getattr(o, f"{target}_raw") is not None]
    raw = np.array([getattr(o, f"{target}_raw") for o in got], dtype=float)
    right = np.array([getattr(o, f"{target}_right") for o in got], dtype=bool)
    return raw, right, np.array([o.invoice for o in got])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the einvoices folder")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--fit", action="store_true", help="fit and print the calibration")
    args = parser.parse_args()
    lines, read, skipped = load_lines(args.shared)
    out = replay(lines)
    tables = {"account": coding.CALIBRATION, "centre": coding.CENTRE_CALIBRATION}
    fitted: dict[str, list[tuple[float, float]]] = {}
    cross: dict[str, float | None] = {}
    for target in ("account", "centre"):
        raw, right, invoice = _arrays(out, target)
        cross[target] = cross_fit_ece(raw, right, invoice) if len(raw) > 1 else None
        if args.fit and target == "account" and len(raw):
            fitted[target] = fitted_table(raw, right)
            print("CALIBRATION: tuple[tuple[float, float], ...] = (")
            for x, y in fitted[target]:
                print(f"    ({x}, {y}),")
            print(")")

    def conf_of(target: str) -> Any:
        def conf(o: Outcome, raw: bool = False) -> float | None:
            value = getattr(o, f"{target}_raw")
            if raw:
                return value  # type: ignore[no-any-return]
            return coding.calibrated(value, tables[target]) if value is not None else 0.0

        return conf

    accounts = summarise("gl_account", out, conf_of("account"), lambda o: o.account_right)
    centres = summarise("cost_centre", out, conf_of("centre"), lambda o: o.centre_right)
    seen = float(np.mean([o.seen for o in out])) if out else 0.0
    split = {
        name: {
            "lines": len(part),
            "suggested": round(sum(o.account_raw is not None for o in part) / len(part), 4),
            "top1_accuracy": round(sum(o.account_right for o in part) / len(part), 4),
        }
        for name, part in (
            ("seen_before", [o for o in out if o.seen]),
            ("new_item", [o for o in out if not o.seen]),
        )
        if part
    }
    report = {
        "benchmark": "gl_coding",
        "python": platform.python_version(),
        "invoices": read,
        "invoices_skipped": skipped,
        "lines": len(out),
        "seen_before_share": round(seen, 4),
        "calibration": {k: [list(p) for p in v] for k, v in tables.items()},
        "fitted_calibration": fitted or None,
        "cross_fit_ece": cross,
        "results": [accounts, centres],
        "gl_account_by_history": split,
    }
    print(f"{read} invoices ({skipped} skipped), {len(out)} lines, "
          f"{seen:.1%} (seller, item) seen before")  # fmt: skip
    heads = " ".join(f"{'cov@' + str(t):>9} {'acc@' + str(t):>9}" for t in THRESHOLDS)
    print(f"{'target':<12} {'top1 all':>8} {'sugg.':>6} {heads} {'ECE':>6}")
    for r in (accounts, centres):
        cells = []
        for t in THRESHOLDS:
            a = r["at_threshold"][str(t)]
            acc = "-" if a["accuracy"] is None else f"{a['accuracy']:.3f}"
            cells.append(f"{a['coverage']:>9.3f} {acc:>9}")
        ece_text = "-" if r["ece"] is None else f"{r['ece']:.3f}"
        print(f"{r['target']:<12} {r['top1_accuracy_all_lines']:>8.3f} {r['suggested']:>6.3f} "
              + " ".join(cells) + f" {ece_text:>6}")  # fmt: skip
    for name, part in split.items():
        print(f"gl_account, {name}: {part['lines']} lines, suggested {part['suggested']:.3f}, "
              f"top-1 accuracy {part['top1_accuracy']:.3f}")  # fmt: skip
    print(f"ECE with the map cross-fitted on odd/even invoices: {cross}")
    for r in (accounts, centres):
        print(f"reliability ({r['target']}): " + ", ".join(
            f"{b['bin']}: n={b['n']} conf={b['confidence']} acc={b['accuracy']}"
            for b in r["reliability"]))  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
