"""`paperclerk admin types`: define a document type and its fields, list them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from paperclerk.cli import app
from paperclerk.learning.user_types import UserTypes


def test_define_and_list_types(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    args = ["admin", "types", "define", "delivery_note", "--data-dir", data,
            "--field", "customer=text,required", "--field", "order_number=identifier,gating",
            "--field", "delivery_date=date", "--field", "payee_iban=code:iban,gating",
            "--description", "Notes of our suppliers"]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    spec = UserTypes(tmp_path / "data" / "models").spec("delivery_note")
    assert spec is not None and spec.description == "Notes of our suppliers"
    flags = [(f.name, f.value_type.value, f.check, f.required, f.gating) for f in spec.fields]
    assert flags == [("customer", "text", None, True, False),
                     ("order_number", "identifier", None, False, True),
                     ("delivery_date", "date", None, False, False),
                     ("payee_iban", "code", "iban", False, True)]  # fmt: skip
    listed = runner.invoke(app, ["admin", "types", "list", "--data-dir", data])
    assert listed.exit_code == 0 and "delivery_note" in listed.output
    assert "not trained" in listed.output


def test_bad_definitions_are_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    for name, field in (("receipt", "a=text"), ("x", "a=bogus"), ("x", "A=text"),
                        ("x", "a=text,optional"), ("Bad-Name", "a=text"), ("x", "a=code"),
                        ("x", "a=code:nothing"), ("x", "a=text:iban")):  # fmt: skip
        out = runner.invoke(app, ["admin", "types", "define", name, "--field", field,
                                  "--data-dir", data])  # fmt: skip
        assert out.exit_code == 2, (name, field, out.output)
    twice = ["admin", "types", "define", "x", "--field", "a=text", "--field", "a=date",
             "--data-dir", data]  # fmt: skip
    assert runner.invoke(app, twice).exit_code == 2
    assert UserTypes(tmp_path / "data" / "models").names() == []


def test_training_from_reviews_says_why_it_cannot_start(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    define = ["admin", "types", "define", "delivery_note", "--field", "customer=text",
              "--data-dir", data]  # fmt: skip
    assert runner.invoke(app, define).exit_code == 0
    few = runner.invoke(app, ["admin", "types", "train", "delivery_note", "--data-dir", data])
    assert few.exit_code == 3 and "training needs 3" in few.output, few.output
    unknown = runner.invoke(app, ["admin", "types", "train", "dispatch_note", "--data-dir", data])
    assert unknown.exit_code == 3 and "no document type 'dispatch_note'" in unknown.output
