"""Train a user-defined type's extractor from the documents people reviewed.

Each approval of a document of a user type stores its pages and the values the reviewer
confirmed or filled in by clicking words (`review.decisions.approve`, training example rows
of type `custom:<name>`). `train_from_reviews` trains the type's model on the latest
confirmation of each such document of a workspace, with the same trainer and registry gate
as `paperclerk train fields`, so the type improves as reviewers confirm more of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.errors import InputError
from paperclerk.learning.custom_fields import LabelledDocument, custom_kind
from paperclerk.learning.custom_training import TypeTraining, train_type
from paperclerk.learning.user_types import UserTypes
from paperclerk.model import DocType, type_hint
from paperclerk.storage.tables import TrainingExampleRow

MIN_REVIEWED = 3
"""Fewest reviewed documents a type is trained from."""


class NotEnoughExamplesError(InputError):
    """Too few reviewed documents of the type to train on."""

    code = "not_enough_examples"


class UnknownUserTypeError(InputError):
    """A type name no definition has."""

    code = "unknown_doc_type"


def reviewed_documents(
    session: Session, workspace_ids: Sequence[str], name: str
) -> list[LabelledDocument]:
    """Return the workspaces' reviewed documents of a user type, each as last confirmed."""
    stored = type_hint(DocType.CUSTOM, name)
    rows = session.scalars(
        select(TrainingExampleRow)
        .where(TrainingExampleRow.workspace_id.in_(workspace_ids))
        .where(TrainingExampleRow.doc_type == stored)
        .order_by(TrainingExampleRow.created_at, TrainingExampleRow.id)
    ).all()
    latest = {row.document_id: row for row in rows}  # a document approved again: its last
    out = []
    for document_id, row in latest.items():
        example = TrainingExample.model_validate(row.example)
        out.append(LabelledDocument(document_id, example.pages, dict(example.fields)))
    return out


def train_from_reviews(
    session: Session, types: UserTypes, workspace_ids: Sequence[str], name: str, by: str
) -> TypeTraining:
    """Train a user type on the workspaces' reviewed documents; promote it past the gate.

    Raises `UnknownUserTypeError` for a type not defined and `NotEnoughExamplesError` with
    fewer than `MIN_REVIEWED` reviewed documents.
    """
    spec = types.spec(name)
    if spec is None:
        raise UnknownUserTypeError(f"no document type {name!r} is defined")
    documents = reviewed_documents(session, workspace_ids, name)
    if len(documents) < MIN_REVIEWED:
        raise NotEnoughExamplesError(
            f"{len(documents)} reviewed {name} document(s); training needs {MIN_REVIEWED}"
        )
    return train_type(types.registry, spec, documents, by)


def training_json(name: str, done: TypeTraining) -> dict[str, Any]:
    """Return what a training from reviews did, as the API and `admin types train` report it."""
    return {
        "kind": custom_kind(name),
        "model": done.card.model_dump(mode="json", exclude={"drift_reference"}),
        "promoted": done.promoted,
        "reviewed_documents": (done.card.training_examples or 0) + done.validation,
        "validation_documents": done.validation,
        "fields": {n: o.to_json() for n, o in done.outcomes.items()},
    }
