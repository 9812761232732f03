"""Purchase orders and goods receipts through the API, and the 3-way match in the worker.

On SQLite and PostgreSQL: import an order and a goods receipt as CSV, upload an e-invoice
naming the order, run the worker, and read the decision.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from paperclerk.storage.db import make_engine
from paperclerk.storage.migrate import alembic_config, current_revision, upgrade
from tests.service.test_api import Api, api  # noqa: F401 - the fixture
from tests.service.test_einvoice_api import _post, _result, _valid_e_invoice

ORDERS = (
    "po_number,supplier_number,currency,line_number,product_code,description,quantity,unit_price\n"
    "PO-1,S1,EUR,1,,Consulting,1,100.00\n"
    "PO-2,S1,EUR,1,,Consulting,2,100.00\n"
    "PO-3,S1,EUR,x,,Consulting,-1,abc\n"
)


def _csv(api: Api, path: str, text: str):  # type: ignore[no-untyped-def]  # noqa: F811
    return api.client.post(
        path, content=text.encode(), headers={**api.headers(), "Content-Type": "text/csv"}
    )


def _naming(po: str, number: str, issued: str) -> bytes:
    """The valid e-invoice (one line: 1 x Consulting at 100.00) naming a purchase order."""
    ref = f"<cac:OrderReference><cbc:ID>{po}</cbc:ID></cac:OrderReference>"
    return _valid_e_invoice(number, issued).replace(
        b"</cbc:DocumentCurrencyCode>", b"</cbc:DocumentCurrencyCode>" + ref.encode(), 1
    )


def test_orders_and_receipts_import_and_read(api: Api) -> None:  # noqa: F811
    r = _csv(api, "/v1/purchase-orders/import", ORDERS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["updated"], body["lines"]) == (2, 0, 2)
    [bad] = body["rejected"]
    assert bad["line"] == 4 and bad["po_number"] == "PO-3" and len(bad["reasons"]) == 3
    receipts = "po_number,line_number,received_quantity\nPO-1,1,1\nPO-9,1,1\nPO-1,2,1\n"
    r = _csv(api, "/v1/goods-receipts/import", receipts)
    assert r.status_code == 200, r.text
    assert r.json()["applied"] == 1
    assert [x["line"] for x in r.json()["rejected"]] == [3, 4]
    got = api.client.get("/v1/purchase-orders/PO-1", headers=api.headers())
    assert got.status_code == 200, got.text
    [line] = got.json()["lines"]
    assert float(line["received_quantity"]) == 1 and float(line["unit_price"]) == 100
    # the other workspace does not see it; a re-import updates
    other = api.client.get("/v1/purchase-orders/PO-1", headers=api.headers(api.key_b))
    assert other.status_code == 404
    assert _csv(api, "/v1/purchase-orders/import", ORDERS).json()["updated"] == 2
    assert _csv(api, "/v1/purchase-orders/import", "nope\n1\n").status_code == 422


def test_three_way_match_holds_an_invoice_beyond_the_receipt(api: Api) -> None:  # noqa: F811
    orders = (
        "po_number,supplier_number,currency,line_number,product_code,description,quantity,"
        "unit_price\nPO-1,S1,EUR,1,,Consulting,1,100.00\nPO-2,S1,EUR,1,,Consulting,1,100.00\n"
    )
    assert _csv(api, "/v1/purchase-orders/import", orders).status_code == 200
    receipts = "po_number,line_number,received_quantity\nPO-1,1,1\nPO-2,1,0.5\n"
    assert _csv(api, "/v1/goods-receipts/import", receipts).json()["applied"] == 2
    # PO-1: ordered 1, received 1, invoiced 1 at the ordered price: straight through
    clean = _post(api, _naming("PO-1", "INV-1", "2024-05-02")).json()["id"]
    assert api.drain() == 1
    result = _result(api, clean)
    assert result["decision"]["outcome"] == "auto_approved", result["decision"]
    assert {f["rule_id"] for f in result["findings"]} >= {
        "payables.po_price_mismatch",
        "payables.po_quantity_exceeds_order",
        "payables.po_quantity_exceeds_receipt",
    }
    # a second invoice for the same order line: the goods were billed already
    again = _post(api, _naming("PO-1", "INV-1B", "2024-05-09")).json()["id"]
    assert api.drain() == 1
    decision = _result(api, again)["decision"]
    assert decision["outcome"] == "needs_review"
    assert "rule:payables.po_quantity_exceeds_order" in decision["reason_codes"]
    assert "(+ 1 on earlier invoices)" in " ".join(decision["reasons"])
    # PO-2: only half of it received: the invoice goes to a person, saying why
    held = _post(api, _naming("PO-2", "INV-2", "2024-06-03")).json()["id"]
    assert api.drain() == 1
    decision = _result(api, held)["decision"]
    assert decision["outcome"] == "needs_review"
    assert decision["reason_codes"] == ["rule:payables.po_quantity_exceeds_receipt"]
    assert "PO PO-2 line 1" in " ".join(decision["reasons"])
    # an order the ERP does not know: a warning
    unknown = _post(api, _naming("PO-9", "INV-3", "2024-07-01")).json()["id"]
    assert api.drain() == 1
    decision = _result(api, unknown)["decision"]
    assert decision["reason_codes"] == ["rule:payables.po_unknown"]


def test_tolerances_are_per_workspace_and_used_by_the_match(api: Api) -> None:  # noqa: F811
    url = "/v1/payables/tolerances"
    defaults = api.client.get(url, headers=api.headers()).json()
    assert {k: float(v) for k, v in defaults.items()} == {
        "price_rate": 0.02,
        "price_abs": 0.01,
        "quantity_rate": 0.0,
    }
    orders = (
        "po_number,supplier_number,currency,line_number,product_code,description,quantity,"
        "unit_price\nPO-1,S1,EUR,1,,Consulting,1,96.00\n"
    )
    assert _csv(api, "/v1/purchase-orders/import", orders).status_code == 200
    # invoiced at 100.00 against 96.00 ordered: 4.2 % over, beyond the default 2 %
    held = _post(api, _naming("PO-1", "INV-1", "2024-05-02")).json()["id"]
    assert api.drain() == 1
    decision = _result(api, held)["decision"]
    assert decision["reason_codes"] == ["rule:payables.po_price_mismatch"]
    assert "beyond the tolerance: 2 % or 0.01" in " ".join(decision["reasons"])
    # with 5 % allowed the same invoice goes through
    r = api.client.put(url, json={"price_rate": 0.05}, headers=api.headers())
    assert r.status_code == 200, r.text
    assert float(api.client.get(url, headers=api.headers()).json()["price_rate"]) == 0.05
    other = api.client.get(url, headers=api.headers(api.key_b)).json()
    assert float(other["price_rate"]) == 0.02  # another workspace keeps the defaults
    passed = _post(api, _naming("PO-1", "INV-2", "2024-05-09")).json()["id"]
    assert api.drain() == 1
    reasons = _result(api, passed)["decision"]["reason_codes"]
    assert "rule:payables.po_price_mismatch" not in reasons
    for bad in ({"price_rate": -1}, {"quantity_rate": 2}, {"price_rate": "x"}, {"nope": 1}):
        assert api.client.put(url, json=bad, headers=api.headers()).status_code == 422


def test_migration_0012_up_and_down(db_url: str) -> None:
    """0012 creates both purchase order tables and its downgrade drops them."""
    tables = {"purchase_orders", "purchase_order_lines"}
    upgrade(db_url, "0011")
    engine: Engine = make_engine(db_url)
    try:
        assert not tables & set(inspect(engine).get_table_names())
        upgrade(db_url, "0012")
        assert current_revision(engine) == "0012"
        assert tables <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
            conn.commit()
        engine.dispose()
        assert current_revision(engine) == "0011"
        assert not tables & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
