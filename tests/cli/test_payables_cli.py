"""`paperclerk suppliers|purchase-orders|goods-receipts import`: the ERP's CSVs into a workspace."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from paperclerk.cli import app

runner = CliRunner()

SUPPLIERS = (
    "supplier_number,name,vat_id,iban,address,postcode,city,country\n"
    "S1,Acme GmbH,DE136695976,DE89370400440532013000,Hauptstr. 1,10115,Berlin,DE\n"
    "S2,Bad Iban AG,,DE00000000000000000000,,,,DE\n"
)
ORDERS = (
    "po_number,supplier_number,currency,line_number,product_code,description,quantity,unit_price\n"
    "PO-1,S1,EUR,1,,Consulting,2,100.00\n"
    "PO-1,S1,EUR,2,,Travel,1,50.00\n"
)
RECEIPTS = "po_number,line_number,received_quantity\nPO-1,1,2\nPO-9,1,1\n"


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--workspace", "acme", "--data-dir", str(tmp_path)])
    return result.exit_code, result.output


def test_the_three_imports_report_rows_and_exit_one_on_rejections(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert runner.invoke(app, ["admin", "create-workspace", "acme", *data]).exit_code == 0
    files = {}
    for name, text in (("s.csv", SUPPLIERS), ("o.csv", ORDERS), ("r.csv", RECEIPTS)):
        files[name] = tmp_path / name
        files[name].write_text(text)
    code, out = _run(tmp_path, "suppliers", "import", str(files["s.csv"]))
    assert code == 1 and "created 1, updated 0, rejected 1" in out
    assert "line 3 (S2)" in out and "IBAN" in out
    code, out = _run(tmp_path, "purchase-orders", "import", str(files["o.csv"]))
    assert code == 0, out
    assert "created 1, updated 0, lines 2, rejected 0" in out
    code, out = _run(tmp_path, "goods-receipts", "import", str(files["r.csv"]))
    assert code == 1 and "applied 1, rejected 1" in out and "line 3 (PO-9)" in out
    # an unusable file or workspace: exit 2 with a message
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe\x00bad")
    code, out = _run(tmp_path, "purchase-orders", "import", str(broken))
    assert code == 2
    result = runner.invoke(
        app,
        ["goods-receipts", "import", str(files["r.csv"]), "--workspace", "nobody", *data],
    )
    assert result.exit_code == 2 and "no workspace 'nobody'" in result.output
