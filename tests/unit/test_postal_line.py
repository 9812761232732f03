"""The postcode and town of an address line, in the forms the post of many countries uses."""

from __future__ import annotations

import pytest

from paperclerk.extract.postal_line import PostalLine, postal_line


@pytest.mark.parametrize(
    ("address", "postcode", "town"),
    [
        ("Kundenstraße 15, DE 69876 Frankfurt", "69876", "Frankfurt"),
        ("Musterstr. 11, D-12346 Bad Musterhausen", "12346", "Bad Musterhausen"),
        ("Holwirilaan 74, 2402 NR Alphen aan den Rijn, NL", "2402 NR", "Alphen aan den Rijn"),
        ("Lindorholstraße 20, 456 34 Stockholm, SE", "456 34", "Stockholm"),
        ("ul. Marszałkowska 1, 00-950 Warszawa", "00-950", "Warszawa"),
        ("Rua Augusta 3, 1100-053 Lisboa", "1100-053", "Lisboa"),
        ("Bahnhof Strasse 1, AT 1234 Muster Ort", "1234", "Muster Ort"),
        ("rue Lintem 129 · 12345 [Seller city] · DE", "12345", "[Seller city]"),
        ("10 Downing Street, London SW1A 2AA", "SW1A 2AA", "London"),
        ("Harbour Lane 3, London, SW1A 1AA", "SW1A 1AA", "London"),
        ("1 Main St, Springfield, IL 62704", "62704", "Springfield"),
        ("1085 Bay Street, Toronto, ON M5V 2T6", "M5V 2T6", "Toronto"),
        ("1085 Pacific Highway, Sydney NSW 2000", "2000", "Sydney"),
        ("Keizersgracht 1, Amsterdam, 1012 AB", "1012 AB", "Amsterdam"),
        ("Markt 1, 5211 JX 's-Hertogenbosch", "5211 JX", "'s-Hertogenbosch"),
        ("Postfach 12 34, 10115 Berlin", "10115", "Berlin"),
    ],
)
def test_the_postcode_and_town_of_an_address(address: str, postcode: str, town: str) -> None:
    assert postal_line(address) == PostalLine(postcode, town)


@pytest.mark.parametrize(
    "address",
    [
        "Hauptstraße 12",
        "LE CLIENT, CLIENT NOM COMMERCIAL, MON ADRESSE LIGNE 1",
        "",
        "Acme Corp, 1085 Elm Avenue",  # a street that starts with its house number
        "Au bon moulin SARL, 1242 chemin des Vignes",
        "Acme Corp, PO Box 12345",
        "Acme GmbH, 10115",  # a bare number after a name is no town
        "Harbour Lane 3, Reykjavik 101",  # a three-digit code is not read
    ],
)
def test_an_address_without_a_postcode_line_has_none(address: str) -> None:
    assert postal_line(address) is None
