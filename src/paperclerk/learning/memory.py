"""Counterparty memory: merchants and suppliers confirmed before, recognised despite OCR errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, utils

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.learning.branch_lines import branched, merge_read
from paperclerk.learning.ranker import Calibration
from paperclerk.model import ExtractedField, FieldSource, Page, Provenance
from paperclerk.parsers import find_ibans, find_phones, find_vat_ids

# Which schema fields hold the counterparty's name and address, per document type.
NAME_FIELDS = ("merchant_name", "vendor_name")
ADDRESS_FIELDS = ("merchant_address", "vendor_address")
HEADER_LINES = 25
ID_MATCH_SCORE = 97.0
"""Match score given to a counterparty recognised by its tax id or IBAN, not by name."""
SETTLED_SUPPORT = 3
"""Confirmations after which a spelling that most confirmations agree on counts as settled."""
SAME_VALUE_SCORE = 80.0
"""Token-set score above which two spellings are taken for one value (one address)."""
KINDS = ("name", "address")
"""The counterparty fields the memory fills, as `MemoryMatch` and `Counterparty.corrected`
name them."""


def name_key(text: str) -> str:
    """Upper-case alphanumerics only: the key two spellings of one name share."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def header_text(pages: list[Page]) -> str:
    """Return the upper-cased first lines of the first page, where the sender is printed."""
    if not pages:
        return ""
    return " ".join(" ".join(ln.text for ln in pages[0].lines[:HEADER_LINES]).split()).upper()


def page_text(pages: list[Page]) -> str:
    """Return the text of every line of every page (IBANs are often printed at the foot)."""
    return "\n".join(ln.text for page in pages for ln in page.lines)


class Counterparty(BaseModel):
    """One merchant or supplier with every confirmed spelling of its name and addresses.

    `corrected` maps a kind ('name', 'address') to the spelling a reviewer last corrected
    that field to: a person's correction outranks the counts of earlier confirmations (see
    `CounterpartyMemory.match`). Files written before it existed load with none.
    """

    names: dict[str, int] = Field(default_factory=dict)
    addresses: dict[str, int] = Field(default_factory=dict)
    tax_ids: list[str] = Field(default_factory=list)
    ibans: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    confirmed: int = 0
    corrected: dict[str, str] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        """The spelling of the name a person corrected last, else the most confirmed one."""
        chosen = self.choice("name")
        return chosen or ""

    def variants(self, kind: str) -> dict[str, int]:
        """Return the confirmed spellings of 'name' or 'address' with their counts."""
        return self.names if kind == "name" else self.addresses

    def choice(self, kind: str) -> str | None:
        """Return the spelling of a kind the memory prefers, page aside (None if it has none).

        The spelling a person corrected last wins; otherwise the most often confirmed one.
        """
        variants = self.variants(kind)
        corrected = self.corrected.get(kind)
        if corrected in variants:
            return corrected
        if not variants:
            return None
        return max(variants.items(), key=lambda kv: (kv[1], kv[0]))[0]

    def forget(self, field: str, value: str) -> bool:
        """Remove one learnt value of a field; return whether it was there.

        `field` is one of `FORGETTABLE`. A corrected mark on the removed spelling goes with
        it. Removing the last name forgets the counterparty entirely (everything else
        learnt about it is cleared too), since it can no longer be recognised by name.
        """
        if field not in FORGETTABLE:
            raise ValueError(f"unknown field {field!r}")
        held: dict[str, int] | list[str] = getattr(self, field)
        if value not in held:
            return False
        if isinstance(held, dict):
            del held[value]
        else:
            held.remove(value)
        kind = {"names": "name", "addresses": "address"}.get(field)
        if kind is not None and self.corrected.get(kind) == value:
            del self.corrected[kind]
        if field == "names" and not self.names:
            self.addresses, self.tax_ids, self.ibans, self.phones = {}, [], [], []
            self.corrected, self.confirmed = {}, 0
        return True

    @property
    def empty(self) -> bool:
        """Whether nothing is left of this counterparty (its last name was removed)."""
        return not self.names


FORGETTABLE = ("names", "addresses", "tax_ids", "ibans", "phones")
"""The fields of a `Counterparty` whose learnt values a person may remove one by one."""


class MemoryMatch(BaseModel):
    """What the memory recognised on a document and how sure the match is (0..100).

    `*_settled` says whether the chosen spelling is the one most confirmations of this
    counterparty agree on, confirmed at least `SETTLED_SUPPORT` times: people who typed a
    spelling that often will most likely type it again.
    """

    counterparty: int
    name: str
    name_score: float
    name_settled: bool = False
    address: str | None = None
    address_score: float = 0.0
    address_settled: bool = False


def settled(variants: dict[str, int], chosen: str) -> bool:
    """Whether `chosen` was confirmed often enough, and by most, to be the settled spelling."""
    count = variants.get(chosen, 0)
    return count >= SETTLED_SUPPORT and count * 2 >= sum(variants.values())


def calibration_key(kind: str, agrees: bool, is_settled: bool) -> str:
    """Name the calibration curve of a match, such as 'address' or 'address_agree_settled'."""
    return kind + ("_agree" if agrees else "") + ("_settled" if is_settled else "")


def _nearest(variants: dict[str, int], head: str, read: str | None) -> str:
    """Pick, among the spellings printed on the page, the one closest to what was read.

    Spellings of one address differ in punctuation and score alike against the header;
    another branch's address scores lower and drops out first.
    """
    printed = {v: fuzz.partial_ratio(v.upper(), head) for v in variants}
    top = max(printed.values())

    def rank(v: str) -> tuple[float, float, int, str]:
        near = fuzz.ratio(v.upper(), read.upper()) if read else 0.0
        return (near, printed[v], variants[v], v)

    return max((v for v in variants if printed[v] >= top - 2.0), key=rank)


def _prefer_corrected(chosen: str, variants: dict[str, int], corrected: str | None) -> str:
    """Return the spelling a person corrected to, when it spells the same value as `chosen`.

    A reviewer's correction outranks every count and the nearness to what OCR read: the
    misread or old spelling keeps matching the page, but the corrected one is filled in.
    Only a spelling of the same value is replaced (token-set score at least
    `SAME_VALUE_SCORE`), so the address of another branch printed on the page stays.
    """
    if corrected is None or corrected == chosen or corrected not in variants:
        return chosen
    score = fuzz.token_set_ratio(corrected, chosen, processor=utils.default_process)
    return corrected if score >= SAME_VALUE_SCORE else chosen


def _field_names(fields: dict[str, ExtractedField]) -> tuple[str, str]:
    """Return the schema's name and address field names (receipt or invoice)."""
    name_field = next((f for f in NAME_FIELDS if f in fields), NAME_FIELDS[0])
    addr_field = next((f for f in ADDRESS_FIELDS if f in fields), ADDRESS_FIELDS[0])
    return name_field, addr_field


def what_was_read(fields: dict[str, ExtractedField]) -> dict[str, str]:
    """Return the extracted counterparty name and address as `match` takes them."""
    name_field, addr_field = _field_names(fields)
    return {
        key: str(fields[f].value)
        for key, f in (("name", name_field), ("address", addr_field))
        if f in fields
    }


class CounterpartyMemory:
    """Remembers counterparties from confirmed documents and fills their fields on new ones.

    Matching is fuzzy (rapidfuzz partial ratios of remembered names and addresses against
    the document header), so a name read with a wrong letter or a comma read as a full stop
    still finds its entry; the confirmed spelling then replaces what OCR read.
    """

    def __init__(
        self,
        entries: list[Counterparty] | None = None,
        min_name: float = 90.0,
        min_address: float = 90.0,
        calibration: dict[str, Calibration] | None = None,
    ) -> None:
        self.entries = entries or []
        self.min_name = min_name
        self.min_address = min_address
        # "name"/"address"(+"_agree"): match score (0..1) → measured chance the remembered
        # value is right.
        self.calibration = calibration or {}

    def __len__(self) -> int:
        return len(self.entries)

    def learn(self, example: TrainingExample) -> None:
        """Add the confirmed name and address of one example, merging with a known entry.

        A value a person corrected (`example.corrected`) becomes the counterparty's chosen
        spelling of that field from now on, until a later correction; a corrected name
        also finds its entry by the name it replaced, when the two are spellings of one
        name. Confirmations of unchanged values only add to the counts.
        """
        name_field = next((f for f in NAME_FIELDS if example.fields.get(f)), None)
        if name_field is None:
            return
        name = example.fields[name_field] or ""
        addr_field = next((f for f in ADDRESS_FIELDS if example.fields.get(f)), None)
        address = example.fields[addr_field] if addr_field else None
        entry = self._entry_of(name, example.corrected.get(name_field))
        if entry is None:
            entry = Counterparty()
            self.entries.append(entry)
        entry.names[name] = entry.names.get(name, 0) + 1
        if name_field in example.corrected:
            entry.corrected["name"] = name
        if address:
            entry.addresses[address] = entry.addresses.get(address, 0) + 1
            if addr_field in example.corrected:
                entry.corrected["address"] = address
        head = header_text(example.pages)
        for tax_id in find_vat_ids(head):
            if tax_id not in entry.tax_ids:
                entry.tax_ids.append(tax_id)
        for phone in find_phones(head)[:2]:
            if phone not in entry.phones:
                entry.phones.append(phone)
        confirmed_iban = example.fields.get("vendor_iban")
        for iban in [*find_ibans(confirmed_iban or ""), *find_ibans(page_text(example.pages))]:
            if iban not in entry.ibans:
                entry.ibans.append(iban)
        entry.confirmed += 1

    def _entry_of(self, name: str, replaced: str | None) -> Counterparty | None:
        """Return the entry a confirmed name belongs to, if any.

        A name within 95 % of a known spelling is that counterparty's. A corrected name
        (`replaced` is what it replaced) also joins the entry of the replaced name when
        the two are spellings of one name, so the correction does not start a rival entry
        that the old spelling would keep beating on the page.
        """
        key = name_key(name)
        for wanted in (key, name_key(replaced or "")):
            if not wanted or (wanted != key and fuzz.ratio(wanted, key) < SAME_VALUE_SCORE):
                continue
            for entry in self.entries:
                if any(fuzz.ratio(name_key(n), wanted) >= 95 for n in entry.names):
                    return entry
        return None

    def match(self, pages: list[Page], read: dict[str, str] | None = None) -> MemoryMatch | None:
        """Find the remembered counterparty printed on the pages, if any.

        Of the confirmed spellings the one nearest to what was `read` is returned, so that a
        correct reading is kept and only a misread one is replaced.
        """
        head = header_text(pages)
        if not head:
            return None
        read = read or {}
        best: tuple[float, int] | None = None
        for i, entry in enumerate(self.entries):
            for variant in entry.names:
                if len(name_key(variant)) < 4:
                    continue
                score = fuzz.partial_ratio(variant.upper(), head)
                if best is None or score > best[0]:
                    best = (score, i)
        if best is None or best[0] < self.min_name:
            best = self._by_identifier(head, pages)
            if best is None:
                return None
        score, index = best
        entry = self.entries[index]
        name = _nearest(entry.names, head, read.get("name"))
        name = _prefer_corrected(name, entry.names, entry.corrected.get("name"))
        found = MemoryMatch(
            counterparty=index,
            name=name,
            name_score=score,
            name_settled=settled(entry.names, name),
        )
        if entry.addresses:
            top = max(fuzz.partial_ratio(a.upper(), head) for a in entry.addresses)
            if top >= self.min_address:
                nearest = _nearest(entry.addresses, head, read.get("address"))
                corrected = entry.corrected.get("address")
                chosen = _prefer_corrected(nearest, entry.addresses, corrected)
                # a person's correction may have cut words off: they stay cut
                keep_ends = chosen != corrected and branched(entry.addresses)
                found.address = merge_read(chosen, read.get("address"), keep_ends)
                found.address_score = top
                found.address_settled = found.address is not None and settled(
                    entry.addresses, found.address
                )
        return found

    def _by_identifier(self, head: str, pages: list[Page]) -> tuple[float, int] | None:
        """Find the counterparty whose tax id or IBAN is printed, when its name was misread.

        Identifiers are compared exactly (IBANs are check-digit validated when read), so a
        name OCR mangled beyond fuzzy matching is still recognised by its numbers.
        """
        printed = set(find_vat_ids(head)) | set(find_ibans(page_text(pages)))
        if not printed:
            return None
        for i, entry in enumerate(self.entries):
            if entry.names and printed & {*entry.tax_ids, *entry.ibans}:
                return ID_MATCH_SCORE, i
        return None

    def apply(self, pages: list[Page], fields: dict[str, ExtractedField]) -> MemoryMatch | None:
        """Put the remembered name and address into the fields of a recognised document."""
        name_field, addr_field = _field_names(fields)
        read = what_was_read(fields)
        found = self.match(pages, read)
        if found is None:
            return None
        for kind, field, value, score, is_settled in (
            ("name", name_field, found.name, found.name_score, found.name_settled),
            ("address", addr_field, found.address, found.address_score, found.address_settled),
        ):
            if value is None:
                continue
            key = calibration_key(kind, read.get(kind) == value, is_settled)
            fields[field] = self._field(field, value, self.confidence(key, score), fields)
        return found

    def confidence(self, key: str, score: float) -> float:
        """Return the calibrated chance that a match of this score (0..100) is right.

        `key` comes from `calibration_key`: 'name' or 'address', with '_agree' when what was
        read is already the remembered spelling (the two sources confirm each other) and
        '_settled' for a settled spelling. A curve too rare to have been fitted falls back
        to the coarser one without the last qualifier.
        """
        while key not in self.calibration and "_" in key:
            key = key.rsplit("_", 1)[0]
        calibration = self.calibration.get(key)
        return calibration(score / 100) if calibration else score / 100

    @staticmethod
    def _field(
        name: str, value: str, confidence: float, fields: dict[str, ExtractedField]
    ) -> ExtractedField:
        read = fields.get(name)
        return ExtractedField(
            name=name,
            value=value,
            raw_text=read.raw_text if read else value,
            confidence=round(confidence, 4),
            provenance=read.provenance if read else Provenance(page=0),
            source=FieldSource.MEMORY,
            alternatives=read.alternatives if read else [],
        )

    def save(self, path: Path) -> None:
        """Write the memory as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "min_name": self.min_name,
            "min_address": self.min_address,
            "entries": [e.model_dump() for e in self.entries],
            "calibration": {k: {"x": c.x, "y": c.y} for k, c in self.calibration.items()},
        }
        path.write_text(json.dumps(data, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> CounterpartyMemory:
        """Read a memory written by `save`."""
        data = json.loads(path.read_text())
        return cls(
            [Counterparty.model_validate(e) for e in data["entries"]],
            data.get("min_name", 90.0),
            data.get("min_address", 90.0),
            {k: Calibration(v["x"], v["y"]) for k, v in data.get("calibration", {}).items()},
        )
