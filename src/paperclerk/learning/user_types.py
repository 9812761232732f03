"""The document types users defined in a model registry, and their live extractors.

A type is defined in `<registry>/types/<name>.json` (`TypeSpec`: its fields, each with a
value type and whether it is required and gating); its extractor is the registry's live
model of kind `fields:<name>` (`paperclerk train fields`, or training from reviewed
documents). The pipeline reads a document of a user type with `UserTypes.extractor`, and
recognises one that came without a hint with `UserTypes.recognise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from paperclerk.extract.base import Extraction
from paperclerk.learning.custom_fields import CustomFieldModel, TypeSpec, custom_kind, is_type_name
from paperclerk.learning.registry import Registry
from paperclerk.learning.type_profile import MATCH_AT
from paperclerk.model import DocType, Page

MODEL_FILE = "model.json.gz"
"""The file of a user type's model in its registry folder."""
CALIBRATED_ERROR = 0.01
"""The field error the trained thresholds keep to (`train_custom_fields`)."""


class UnknownTypeError(LookupError):
    """A user type that the registry does not define."""


def type_path(registry: Registry, name: str) -> Path:
    """Return where the registry keeps a user type's definition."""
    return registry.root / "types" / f"{name}.json"


def load_type(registry: Registry, name: str) -> TypeSpec | None:
    """Return a user type the registry defines, if it does (None for a name no type can have)."""
    if not is_type_name(name):
        return None  # never a path outside the registry's types folder
    path = type_path(registry, name)
    return TypeSpec.model_validate_json(path.read_text()) if path.exists() else None


def save_type(registry: Registry, spec: TypeSpec) -> None:
    """Write a user type's definition into the registry.

    A name of a built-in type is refused (ValueError): a document's type must say
    unambiguously which extractor read it.
    """
    if spec.name in DocType._value2member_map_:
        raise ValueError(f"{spec.name!r} is a built-in document type")
    path = type_path(registry, spec.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec.model_dump_json(indent=2))


@lru_cache(maxsize=16)
def _load(path: Path) -> CustomFieldModel:
    return CustomFieldModel.load(path)


@dataclass
class CustomTypeExtractor:
    """A user type's trained model as a field extractor of the pipeline."""

    model_id: str
    model: CustomFieldModel
    doc_type: DocType = DocType.CUSTOM

    @property
    def version(self) -> str:
        """The registry kind and model id, recorded in each document it reads."""
        return f"{custom_kind(self.model.spec.name)}/{self.model_id}"

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the type's fields with confidences, boxes and alternatives."""
        return self.model.extract(pages)

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return the calibrated thresholds when the bound is at least the one they keep.

        Training chose them for a 1 % field error on cross-fitted predictions; a stricter
        bound has none, so no field passes on confidence alone.
        """
        return dict(self.model.thresholds) if max_field_error >= CALIBRATED_ERROR else {}


class UserTypes:
    """The user types of one model registry (a service's `<data_dir>/models`)."""

    def __init__(self, registry_root: Path) -> None:
        self.registry = Registry(registry_root)

    def names(self) -> list[str]:
        """Return the names of the defined types, sorted."""
        folder = self.registry.root / "types"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def spec(self, name: str) -> TypeSpec | None:
        """Return a type's definition, None when it is not defined."""
        return load_type(self.registry, name)

    def define(self, spec: TypeSpec) -> TypeSpec:
        """Define a type or replace its fields; the trained models stay in the registry."""
        known = self.spec(spec.name)
        if known is not None:
            spec = spec.model_copy(update={"created_at": known.created_at})
        save_type(self.registry, spec)
        return spec

    def live_id(self, name: str) -> str | None:
        """Return the id of the type's live model, if one was promoted."""
        return self.registry.live_id(custom_kind(name))

    def extractor(self, name: str) -> CustomTypeExtractor | None:
        """Return the type's live extractor, None when it has no trained model yet.

        The model is read once per model id, so a promotion takes over at the next document.
        """
        live = self.live_id(name)
        if live is None:
            return None
        path = self.registry.folder(live) / MODEL_FILE
        if not path.exists():
            return None
        return CustomTypeExtractor(live, _load(path.resolve()))

    def recognise(self, pages: list[Page]) -> tuple[str, float] | None:
        """Return the user type whose profile the pages match best, and the share matched.

        None when no type's profile reaches `type_profile.MATCH_AT`.
        """
        best: tuple[str, float] | None = None
        for name in self.names():
            extractor = self.extractor(name)
            if extractor is None:
                continue
            share = extractor.model.profile.match(pages)
            if share >= MATCH_AT and (best is None or share > best[1]):
                best = (name, share)
        return best
