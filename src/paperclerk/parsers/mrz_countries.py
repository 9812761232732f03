"""The state codes an MRZ may carry (ICAO Doc 9303 part 3), to put a misread code right.

ISO 3166-1 alpha-3, plus the codes Doc 9303 adds: Germany's `D`, the British nationality
classes, the United Nations and other organisations, stateless persons and refugees, and
`UTO` of the specimen documents. Kosovo's `RKS` and `XKX` are in wide use.
"""

from __future__ import annotations

ISO_ALPHA3 = frozenset(
    """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES
    BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE
    CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK
    DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB
    GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND
    IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN
    LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT
    MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
    NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU
    RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN
    SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA
    UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
    """.split()  # noqa: SIM905 - 249 codes read better as text
)
ICAO_EXTRA = frozenset(
    """
    D GBD GBN GBO GBP GBS UNO UNA UNK XBA XIM XCC XCE XCO XEC XPO XES XMP XOM XDC
    XXA XXB XXC XXX EUE UTO RKS XKX
    """.split()  # noqa: SIM905
)
STATE_CODES = ISO_ALPHA3 | ICAO_EXTRA

LETTER_LOOKALIKES = {
    "O": "DQCU",
    "D": "OQ",
    "Q": "OD",
    "C": "OG",
    "G": "CO",
    "U": "OV",
    "V": "U",
    "I": "LTJ",
    "L": "I",
    "T": "I",
    "J": "I",
    "E": "F",
    "F": "EP",
    "P": "RF",
    "R": "PK",
    "M": "NH",
    "N": "MH",
    "H": "NM",
    "K": "X",
    "X": "K",
    "B": "R",
    "S": "",
    "Z": "",
}
"""Letters OCR takes for one another in the MRZ typeface."""


def known_state(code: str) -> bool:
    """Whether a code (fillers dropped) is a state or organisation code of Doc 9303."""
    return code.replace("<", "") in STATE_CODES


def repair_state(code: str) -> str | None:
    """Return the one known code a single look-alike letter away from `code`, if unique."""
    found = set()
    for i, c in enumerate(code):
        for other in LETTER_LOOKALIKES.get(c, ""):
            trial = code[:i] + other + code[i + 1 :]
            if known_state(trial):
                found.add(trial)
    return found.pop() if len(found) == 1 else None
