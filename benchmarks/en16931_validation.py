"""EN 16931 validation (official XSLT in saxonche): speed and agreement with the shared manifest.

Compiles the UBL and CII stylesheets once (timed), validates every UBL and CII file of
../shared/data/einvoices (64 + 46), and compares the set of failed fatal rule ids with the
`en16931_failed_asserts` column of each folder's manifest.csv (the part before `|warn:`); a
manifest `n/a` (ZUGFeRD 1.0, not EN 16931) agrees when validation says it cannot run. Warning
rule ids are compared too, and reported apart.

    .venv/bin/python benchmarks/en16931_validation.py [--shared ../shared/data/einvoices]
        [--json benchmarks/results/en16931_validation.json]

Prints a table and writes the JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from paperclerk.einvoice.validation import (
    NotAnEInvoiceError,
    Syntax,
    run_en16931,
    stylesheet_dir,
    warm_up,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "einvoices"
RESULTS = Path(__file__).parent / "results" / "en16931_validation.json"


def expected(row: dict[str, str]) -> tuple[set[str] | None, set[str]]:
    """Return the manifest's fatal rule ids (None for `n/a`) and warning rule ids."""
    if row["en16931_xslt"].strip() == "n/a":
        return None, set()
    fatal, _, warn = row["en16931_failed_asserts"].partition("|")
    warn = warn.removeprefix("warn:")
    return {r for r in fatal.split(";") if r}, {r for r in warn.split(";") if r}


def run_folder(folder: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with (folder / "manifest.csv").open(encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle))
    for row in manifest:
        want_fatal, want_warn = expected(row)
        data = (folder / f"{row['id']}.xml").read_bytes()
        got_fatal: set[str] | None
        try:
            report = run_en16931(data)
            got_fatal, got_warn, seconds = report.fatal_ids, report.warning_ids, report.seconds
            syntax = report.syntax.value
        except NotAnEInvoiceError:
            got_fatal, got_warn, seconds, syntax = None, set(), None, "not EN 16931"
        rows.append(
            {
                "id": row["id"],
                "folder": folder.name,
                "syntax": syntax,
                "seconds": None if seconds is None else round(seconds, 4),
                "expected_fatal": None if want_fatal is None else sorted(want_fatal),
                "got_fatal": None if got_fatal is None else sorted(got_fatal),
                "fatal_agrees": want_fatal == got_fatal,
                "warnings_agree": want_warn == got_warn,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the einvoices folder")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    compile_s = warm_up()
    print(f"stylesheets from {stylesheet_dir()}; compiled in {time.perf_counter() - started:.2f}s")
    rows: list[dict[str, Any]] = []
    for name in ("ubl", "cii"):
        rows.extend(run_folder(args.shared / name))

    summary: dict[str, Any] = {}
    print(
        f"\n{'folder':<6} {'files':>6} {'fatal agree':>12} {'warn agree':>11} "
        f"{'median ms':>10} {'max ms':>8}"
    )
    for name in ("ubl", "cii"):
        mine = [r for r in rows if r["folder"] == name]
        times = [r["seconds"] for r in mine if r["seconds"] is not None]
        entry = {
            "files": len(mine),
            "fatal_agree": sum(r["fatal_agrees"] for r in mine),
            "warnings_agree": sum(r["warnings_agree"] for r in mine),
            "median_ms": round(1000 * statistics.median(times), 1) if times else None,
            "max_ms": round(1000 * max(times), 1) if times else None,
            "compile_s": round(compile_s[Syntax(name)], 3),
        }
        summary[name] = entry
        print(
            f"{name:<6} {entry['files']:>6} {entry['fatal_agree']:>12} "
            f"{entry['warnings_agree']:>11} {entry['median_ms']:>10} {entry['max_ms']:>8}"
        )
    for syntax, seconds in compile_s.items():
        print(f"compile {syntax.value.upper()}: {seconds:.2f}s")
    for r in rows:
        if not r["fatal_agrees"]:
            print(
                f"DISAGREE {r['folder']}/{r['id']}: manifest {r['expected_fatal']} "
                f"got {r['got_fatal']}"
            )
    out = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "summary": summary,
        "rows": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"JSON written to {args.json}")


if __name__ == "__main__":
    main()
