"""Write label files for the shared Factur-X PDFs: a folder for `paperclerk train fields`.

Usage: python scripts/make_facturx_labels.py ../shared/data/einvoices/facturx_pdf OUT_DIR

For each `<id>.pdf` with its `<id>.gt.json`, OUT_DIR gets a link to the PDF and
`<id>.labels.json` holding the buyer's name, postcode and city and the order reference
from the e-invoice's own XML (the `.gt.json` view of it): values a person would read on the
page. A value the XML lacks is left out (not labelled), not written as absent.

Any folder of `<id>.pdf` beside `<id>.gt.json` will do: the invoices
`make_heldout_invoices.py` draws in layouts the project never saw get labels the same way,
a test set for a type trained on the Factur-X PDFs:

    python scripts/make_heldout_invoices.py ../shared/data/einvoices/ubl \
        ../shared/data/einvoices/cii /tmp/heldout3 --seed 3
    python scripts/make_facturx_labels.py /tmp/heldout3 /tmp/hl3
    paperclerk train fields buyerdoc /tmp/fxl --registry /tmp/reg
    paperclerk eval fields buyerdoc /tmp/hl3 --registry /tmp/reg --json F
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def labels(truth: dict[str, object]) -> dict[str, str]:
    """Return the four labelled fields of one e-invoice's ground truth."""
    buyer = truth.get("buyer") or {}
    assert isinstance(buyer, dict)
    values = {
        "buyer_name": buyer.get("name"),
        "buyer_postcode": buyer.get("postcode"),
        "buyer_city": buyer.get("city"),
        "order_reference": truth.get("order_reference"),
    }
    return {name: str(v) for name, v in values.items() if v is not None and str(v).strip()}


def main() -> int:
    """Link each PDF into the target folder and write its label file; print the count."""
    source, target = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for pdf in sorted(source.glob("*.pdf")):
        truth_path = pdf.with_suffix(".gt.json")
        if not truth_path.exists():
            continue
        link = target / pdf.name
        if not link.exists():
            link.symlink_to(pdf)
        fields = labels(json.loads(truth_path.read_text(encoding="utf-8")))
        (target / f"{pdf.stem}.labels.json").write_text(json.dumps({"fields": fields}, indent=2))
        count += 1
    print(f"{count} labelled documents in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
