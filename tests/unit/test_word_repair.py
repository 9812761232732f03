"""Spelling repair learned from confirmed names and addresses."""

from __future__ import annotations

from paperclerk.learning.general_words import english_words
from paperclerk.learning.word_repair import WordRepair

CONFIRMED = [
    "NO. 5, JALAN MERANTI, 47400 PETALING JAYA, SELANGOR, MALAYSIA",
    "LOT 3, JALAN KENARI, 47170 PUCHONG, SELANGOR, MALAYSIA",
    "TASTE OF THE WORLD SDN BHD",
    "WORLD OF IDEA SDN BHD",
    "URBAN IDEA SDN BHD",
    "1ST FLOOR, WISMA COSWAY, KUALA LUMPUR",
    "2ND FLOOR, WISMA UOA, KUALA LUMPUR",
]


def test_a_look_alike_letter_is_repaired_to_the_confirmed_word() -> None:
    repair = WordRepair.learn(CONFIRMED)
    assert repair.apply("47400 PETALING JAYA, MALAYSLA.") == "47400 PETALING JAYA, MALAYSIA."
    assert repair.apply("TASTE OF THE WORID SDN BHD") == "TASTE OF THE WORLD SDN BHD"
    assert repair.apply("URBAN 1DEA SDN BHD") == "URBAN IDEA SDN BHD"
    assert repair.apply("Jalan Kenarl") == "Jalan Kenari"
    assert repair.apply("Selang0r") == "Selangor"  # keeps the case it was read in
    assert repair.apply("5JALAN MERANTI") == "5 JALAN MERANTI"  # a number glued to a word
    assert repair.apply("2ND FLOOR, 1ST FLOOR") == "2ND FLOOR, 1ST FLOOR"


def test_numbers_unknown_words_and_far_words_stay_as_read() -> None:
    repair = WordRepair.learn(CONFIRMED)
    assert repair.apply("47170 PUCHONG") == "47170 PUCHONG"  # known
    assert repair.apply("47171 PUCHONG") == "47171 PUCHONG"  # digits are never rewritten
    assert repair.apply("JALAN BUKIT") == "JALAN BUKIT"  # nothing near it was confirmed
    assert repair.apply("PUCHONK") == "PUCHONK"  # K is no look-alike of G; confirmed once


def test_confusions_are_learned_from_what_ocr_read() -> None:
    pairs = [("FLEOR", "FLOOR"), ("WESMA", "WISMA"), ("MALEYSIA", "MALAYSIA")]
    plain = WordRepair.learn(CONFIRMED)
    taught = WordRepair.learn(CONFIRMED, pairs * 2)
    assert plain.apply("WESMA COSWAY") == "WESMA COSWAY"
    assert taught.apply("WESMA COSWAY") == "WISMA COSWAY"
    assert WordRepair.from_json(taught.to_json()).apply("WESMA") == "WISMA"


def test_two_words_equally_near_are_a_guess_unless_one_is_far_more_common() -> None:
    assert WordRepair({"DOME": 2, "COME": 2}).apply("QOME") == "QOME"
    assert WordRepair({"DOME": 9, "COME": 2}).apply("QOME") == "DOME"


def test_a_long_word_with_an_unfamiliar_letter_run_may_differ_by_any_letter() -> None:
    repair = WordRepair.learn(CONFIRMED)
    # MALAYSIA was confirmed twice; `YSK` is in no confirmed word: any one letter is repaired.
    assert repair.apply("MALAYSKA") == "MALAYSIA"
    assert repair.apply("SELAUGOR") == "SELANGOR"
    # Short words are often real words one letter apart: only look-alikes are repaired.
    assert repair.apply("JALAF") == "JALAF"


def test_a_spelling_of_familiar_letter_runs_is_taken_for_a_real_word() -> None:
    repair = WordRepair.learn([*CONFIRMED, "PENANG", "PENANG", "PINE", "CHINA"])
    # Every three-letter run of PINANG is in a confirmed word: a real name, kept.
    assert repair.apply("JALAN PINANG") == "JALAN PINANG"
    assert repair.apply("PENAUG") == "PENANG"


def test_words_no_receipt_confirmed_are_repaired_to_common_words_of_the_language() -> None:
    english = english_words()
    repair = WordRepair.learn(CONFIRMED[:2], general=english)
    assert WordRepair.learn(CONFIRMED[:2]).apply("BUARDIAN PHARMACY") == "BUARDIAN PHARMACY"
    assert repair.apply("BUARDIAN PHARMACY") == "GUARDIAN PHARMACY"  # long: any one letter
    assert repair.apply("CONFECTIUNERY") == "CONFECTIONERY"
    assert repair.apply("THE W0RLD OF 1DEA") == "THE WORLD OF IDEA"  # a digit among letters
    assert repair.apply("TASTE OF THE WORID") == "TASTE OF THE WORLD"  # a very common word
    assert WordRepair.from_json(repair.to_json()).apply("BUARDIAN") == "GUARDIAN"


def test_names_the_language_lacks_are_not_taken_for_its_rarer_words() -> None:
    repair = WordRepair.learn(CONFIRMED[:2], general=english_words())
    # One look-alike from LIAM, CHEF and MENTAL, but not common enough to outweigh the reading.
    assert repair.apply("LIAN CHEE MENTAI") == "LIAN CHEE MENTAI"
    assert repair.apply("FLEER") == "FLEER"  # a word of the language, however rare
    assert repair.apply("PERNIAGAAN KOPITIAM") == "PERNIAGAAN KOPITIAM"
    # A confirmed spelling comes first: MALAYSLA is MALAYSIA, not a word of the language.
    assert repair.apply("MALAYSLA") == "MALAYSIA"


def test_a_word_its_confirmed_neighbours_give_away_is_repaired() -> None:
    confirmed = [*CONFIRMED, *["UNIT 1, GROUND FLOOR, WISMA UOA"] * 3, "14 JALAN PERMAS 2"]
    repair = WordRepair.learn(confirmed, general=english_words())
    # FLEER is a rare word of English, two letters from FLOOR, which follows GROUND 3 times.
    assert repair.apply("UNIT G-5B, GROUND FLEER, WISMA UOA II") == (
        "UNIT G-5B, GROUND FLOOR, WISMA UOA II"
    )
    assert repair.apply("Ground Fleer") == "Ground Floor"
    assert repair.apply("FIRST FLEER") == "FIRST FLEER"  # no confirmed neighbour
    # JALAN PERMAS was confirmed once: another street one letter away stays as read.
    assert repair.apply("JALAN PERMAI 3") == "JALAN PERMAI 3"
    assert repair.apply("GROUND WORKS") == "GROUND WORKS"  # a common word of the language
    assert WordRepair.from_json(repair.to_json()).apply("GROUND FLEER") == "GROUND FLOOR"


def test_a_neighbour_followed_by_many_words_gives_none_of_them_away() -> None:
    streets = [f"{n} JALAN {name} {n}" for n, name in enumerate(["BESAR", "AMPANG", "IPOH"] * 4)]
    confirmed = [*streets, *["LOT 4 JALAN KAPAR 42100 KLANG"] * 3]
    repair = WordRepair.learn(confirmed, general=english_words())
    # JALAN KAPAR was confirmed 3 times, but JALAN is followed by many names: MAWAR stays.
    assert repair.apply("NO. 8, JALAN MAWAR 2") == "NO. 8, JALAN MAWAR 2"
    assert repair.apply("LOT 4 JALAN KAPAR") == "LOT 4 JALAN KAPAR"
