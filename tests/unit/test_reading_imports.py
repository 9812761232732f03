"""Reading a document loads no training library: a worker stays small (issue 19, memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.unit.test_custom_fields import delivery_note, draw_pdf


def test_reading_imports_neither_scikit_learn_nor_scipy_nor_lightgbm(tmp_path: Path) -> None:
    import random

    lines, _ = delivery_note(random.Random(1), 1)
    pdf = tmp_path / "note.pdf"
    draw_pdf(pdf, [*lines, (40, 400, "TOTAL 12.50"), (40, 420, "CASH 20.00")])
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from paperclerk.learning.loader import receipt_extractor
        from paperclerk.model import DocType
        from paperclerk.pipeline.run import process_path
        doc = process_path(Path({str(pdf)!r}))
        assert doc.model_versions["classify"].startswith("doctype-lr-"), doc.model_versions
        receipt = process_path(Path({str(pdf)!r}), doc_type_hint=DocType.RECEIPT)
        assert receipt.model_versions["extract"] != "rules", receipt.model_versions
        loaded = sorted(m for m in ("sklearn", "scipy", "lightgbm", "joblib") if m in sys.modules)
        print(",".join(loaded))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.strip() == "", out.stdout
