import datetime as dt
from decimal import Decimal

from paperclerk.evaluation.invoices import invoice_field_matches, normalise_name
from paperclerk.evaluation.scoring import Scoreboard
from paperclerk.evaluation.sroie import field_matches


def test_sroie_protocol() -> None:
    assert field_matches("company", "ABC  SDN BHD ", "ABC SDN BHD")
    assert not field_matches("company", "ABC SDN BHD", "abc sdn bhd")  # case-sensitive
    assert field_matches("date", "05/03/2018", dt.date(2018, 3, 5))
    assert field_matches("date", "25-12-18", dt.date(2018, 12, 25))
    assert field_matches("total", "RM 9.00", Decimal("9.0"))
    assert not field_matches("total", "9.00", Decimal("9.01"))
    assert not field_matches("total", "9.00", None)


def test_micro_counts_missing_prediction_as_miss() -> None:
    board = Scoreboard()
    board.add("total", "9.00", Decimal("9.00"), True, "a")
    board.add("total", "5.00", None, False, "b")
    board.add("date", "01/01/2018", dt.date(2018, 1, 2), False, "a")
    board.add("date", None, dt.date(2018, 1, 2), False, "b")  # key lacks it: not counted
    m = board.micro
    assert (m.correct, m.predicted, m.expected) == (1, 2, 3)
    assert board.fields["total"].precision == 1.0
    assert board.fields["total"].recall == 0.5


def test_invoice_protocol() -> None:
    assert normalise_name("Amazon Web Services, Inc.") == "amazon web services"
    assert invoice_field_matches("issuer", "Amazon Web Services", "AMAZON WEB SERVICES INC")
    assert invoice_field_matches("amount", 4.11, Decimal("4.11"))
    assert invoice_field_matches("date", "2014-08-03", dt.date(2014, 8, 3))
    assert invoice_field_matches("invoice_number", "421 83017", "42183017")
    assert not invoice_field_matches("currency", "USD", "EUR")
