import pytest

from paperclerk.parsers import find_ibans, find_phones, find_vat_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", ["DE89370400440532013000"]),
        ("iban gb29 nwbk 6016 1331 9268 19", ["GB29NWBK60161331926819"]),
        ("NL91ABNA0417164300", ["NL91ABNA0417164300"]),
        ("IBAN DE89 3704 0044 0532 0130 01", []),
        ("Total 12.50", []),
    ],
)
def test_find_ibans(text: str, expected: list[str]) -> None:
    assert find_ibans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USt-IdNr.: DE 136 695 976", ["DE136695976"]),
        ("TVA FR40303265045", ["FR40303265045"]),
        ("VAT GB980780684 Tel 123", ["GB980780684"]),
        ("BTW NL004495445B01", ["NL004495445B01"]),
        ("P.IVA IT00743110157", ["IT00743110157"]),
        ("NIP PL 5260250274", ["PL5260250274"]),
        ("CHE-116.281.710 MWST", ["CHE116281710"]),
        ("GST NO: 000800589824", ["000800589824"]),
        ("GST ID:001234567890", ["001234567890"]),
        ("GST REG NO. 001-234-567-890", ["001234567890"]),
        ("SST ID: W10-1808-32000123", ["W10-1808-32000123"]),
        ("DE 136 695 977", []),
        ("INVOICE DE 12", []),
    ],
)
def test_find_vat_ids(text: str, expected: list[str]) -> None:
    assert find_vat_ids(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TEL:07-386 7524", ["07-386 7524"]),
        ("+49 30 1234567", ["+49 30 1234567"]),
        ("(03) 5555 1234", ["(03) 5555 1234"]),
        ("Tel. 030 1234567 Fax 030 7654321", ["030 1234567", "030 7654321"]),
        ("Date 12/02/2018 Total 12.50", []),
        ("GST NO: 000800589824", []),
        ("Invoice 20180212", []),
    ],
)
def test_find_phones(text: str, expected: list[str]) -> None:
    assert find_phones(text) == expected


def test_vat_ids_of_the_right_form_with_a_failing_check_digit_are_found_apart() -> None:
    from paperclerk.parsers import find_vat_shaped

    assert find_vat_ids("USt-IdNr.: DE123456789") == []  # the check digit fails
    assert find_vat_shaped("USt-IdNr.: DE123456789, DE136695976") == ["DE123456789"]
    assert find_vat_shaped("Steuernummer 201/113/40209, DE12345678") == []  # wrong length
