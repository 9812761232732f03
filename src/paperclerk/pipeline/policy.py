"""The decision policy per document type, kept as data (packaged YAML, overridable per workspace).

The packaged `policy.yaml` says, for each document type, which fields are required, which
gate automatic approval, the field error tolerated among approved documents and how sure the
classifier must be of the type. A workspace override is a partial document of the same shape
(`{"types": {"receipt": {"target_field_error": 0.02}}}`): each key it names replaces the
packaged value of that type, everything else stays.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from paperclerk.errors import PolicyError
from paperclerk.learning.custom_fields import TypeSpec
from paperclerk.model import DocType
from paperclerk.rules.identity import IdentityRules

POLICY_FILE = "policy.yaml"
DEFAULT_TARGET_ERROR = 0.01
DEFAULT_TYPE_FLOOR = 0.8


class DriftPolicy(BaseModel):
    """When the drift monitor raises an alarm for a document type, and what an alarm does.

    The monitor compares the type's latest `window` documents with the live model's
    training data (`learning.drift_reference`): the mean OCR word confidence and each
    gating field's confidence, alarming when the live mean fell more than `max_drop_z`
    standard errors under the training mean (the population stability index is reported
    beside it); each field's accuracy among reviewers' confirmations with the accuracy
    the model had on the documents it would have sent to a person; and the type's share of
    the workspace's latest `window` documents with its share of the `mix_reference` ones
    before them (a rise of at least `min_share_rise` and more than `max_mix_z` standard
    errors alarms: documents typed wrongly, or a new kind of traffic).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    enabled: bool = Field(True, description="False: no figures are compared, no alarm.")
    window: int = Field(50, ge=10, le=5000, description="Latest documents the figures cover.")
    min_documents: int = Field(
        30, ge=5, le=5000, description="Fewest documents in the window before any alarm."
    )
    max_drop_z: float = Field(
        4.0,
        gt=0.0,
        le=50.0,
        description="Standard errors the live mean confidence may fall under the training "
        "data's before: alarm.",
    )
    max_accuracy_drop: float = Field(
        0.1, gt=0.0, le=1.0, description="Reviewed accuracy under the model's by more: alarm."
    )
    min_reviewed: int = Field(
        30, ge=5, le=5000, description="Fewest reviewed documents before an accuracy alarm."
    )
    mix_reference: int = Field(
        500,
        ge=50,
        le=50000,
        description="Documents before the window the type's share is "
        "compared with (the workspace's own mix, not the training data's).",
    )
    min_mix_reference: int = Field(
        100, ge=20, le=50000, description="Fewest of those before a type-share alarm."
    )
    max_mix_z: float = Field(
        5.0, gt=0.0, le=50.0, description="Standard errors the type's share may rise by."
    )
    min_share_rise: float = Field(
        0.1, gt=0.0, le=1.0, description="Least rise of the share that can alarm."
    )
    tighten: bool = Field(
        True, description="While an alarm is open, every document of the type goes to a person."
    )


class TypePolicy(BaseModel):
    """What a document of one type needs before it may be approved without a person."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    required: list[str] = Field(default_factory=list, description="Fields that must be found.")
    gating: list[str] = Field(
        default_factory=list, description="Fields that must each reach their threshold."
    )
    target_field_error: float = Field(
        DEFAULT_TARGET_ERROR,
        gt=0.0,
        le=0.5,
        description="Share of wrong gating fields tolerated among approved documents.",
    )
    min_type_confidence: float = Field(
        DEFAULT_TYPE_FLOOR, ge=0.0, le=1.0, description="Classifier confidence below which review."
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Fixed per-field thresholds replacing calibrated ones."
    )
    auto_approve: bool = Field(True, description="False sends every document to a person.")
    advisory_rules: list[str] = Field(
        default_factory=list,
        description="Rule ids whose failure is shown but does not send the document to a person.",
    )
    identity: IdentityRules | None = Field(
        None, description="The identity document rules (expiry, age, deny list, specimens)."
    )
    drift: DriftPolicy = Field(
        default_factory=DriftPolicy, description="The drift monitor's bounds for the type."
    )


class DecisionPolicy(BaseModel):
    """The policy of every document type; a type it does not name never auto-approves."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    version: int = 1
    types: dict[DocType, TypePolicy] = Field(default_factory=dict)

    def for_type(self, doc_type: DocType) -> TypePolicy:
        """Return the policy of a type; an unnamed type gets one that never auto-approves."""
        return self.types.get(doc_type) or TypePolicy(auto_approve=False)

    def for_user_type(self, spec: TypeSpec) -> TypePolicy:
        """Return the policy of a user-defined type: the `custom` entry and the type's fields.

        Its required fields are those the definition marks required; its gating fields
        those marked gating, or every field when none is, so that a document goes straight
        through only when each value the type defines was read sure enough.
        """
        base = self.for_type(DocType.CUSTOM)
        gating = [f.name for f in spec.fields if f.gating] or [f.name for f in spec.fields]
        required = [f.name for f in spec.fields if f.required]
        return base.model_copy(update={"required": required, "gating": gating})

    def with_override(self, override: dict[str, Any] | None) -> DecisionPolicy:
        """Return this policy with a workspace override applied (validated; see module doc)."""
        if not override:
            return self
        check_override(override)
        merged = self.model_dump(mode="json")
        for name, changes in (override.get("types") or {}).items():
            merged["types"][name] = {**merged["types"].get(name, {}), **changes}
        return parse_policy(merged)


def parse_policy(data: object) -> DecisionPolicy:
    """Validate a whole policy document; a bad one raises PolicyError saying what is wrong."""
    try:
        return DecisionPolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_explain(exc)) from None


def check_override(override: object) -> dict[str, Any]:
    """Validate a workspace override (a partial policy) and return it.

    Only `types` may be overridden; each named type must be a known document type and each
    key one of `TypePolicy`'s, with a valid value. Checked on its own, so a bad override is
    refused when it is set, not when the next document is decided.
    """
    if not isinstance(override, dict) or set(override) - {"types", "version"}:
        raise PolicyError(
            "an override is an object with a 'types' key, e.g. "
            '{"types": {"receipt": {"target_field_error": 0.02}}}'
        )
    types = override.get("types") or {}
    if not isinstance(types, dict):
        raise PolicyError("'types' must map document types to their settings")
    for name, changes in types.items():
        if name not in DocType._value2member_map_:
            known = ", ".join(t.value for t in DocType)
            raise PolicyError(f"unknown document type {name!r} (known: {known})")
        if not isinstance(changes, dict):
            raise PolicyError(f"the settings of {name!r} must be an object")
        try:
            TypePolicy.model_validate(changes)
        except ValidationError as exc:
            raise PolicyError(f"{name}: {_explain(exc)}") from None
    return override


def _explain(exc: ValidationError) -> str:
    """Return a validation error as one readable line per problem."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else str(err["msg"]))
    return "; ".join(parts)


@lru_cache(maxsize=1)
def packaged_policy() -> DecisionPolicy:
    """Return the packaged policy (read once per process)."""
    text = (resources.files("paperclerk.pipeline") / POLICY_FILE).read_text(encoding="utf-8")
    return parse_policy(yaml.safe_load(text))


def policy_yaml(policy: DecisionPolicy) -> str:
    """Return a policy as YAML, as the admin CLI shows it."""
    return str(yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=False))
