"""`/v1/types`: document types and fields users define, and training them from reviews.

`PUT /v1/types/{name}` defines a type (or replaces its fields): each field has a name, a
value type (text, amount, date, identifier), and whether it is required and gating.
Documents are then submitted with `doc_type=<name>` (or recognised once a model is trained),
reviewed on the review screen, where each of the type's fields is filled by clicking words,
and `POST /v1/types/{name}/train` trains the type's extractor on the caller's workspace's
reviewed documents. Types and their models are the service's (`<data_dir>/models`), shared
by its workspaces as the built-in types are; the training data is the caller's workspace's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from paperclerk.learning.custom_fields import FieldSpec, TypeSpec
from paperclerk.learning.user_types import UserTypes
from paperclerk.review.type_training import train_from_reviews, training_json
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState, State, Workspace, api_reader

router = APIRouter(prefix="/v1/types", tags=["types"])

MAX_FIELDS = 50


class TypeDefinition(BaseModel):
    """The body of `PUT /v1/types/{name}`: what the type's documents hold."""

    description: str = Field("", max_length=500)
    fields: list[FieldSpec] = Field(min_length=1, max_length=MAX_FIELDS)


def user_types(state: AppState) -> UserTypes:
    """Return the service's user types (its registry, `<data_dir>/models`)."""
    return UserTypes(state.data_dir / "models")


def type_json(types: UserTypes, spec: TypeSpec) -> dict[str, Any]:
    """Return a type's definition with its live model's id and figures, if it has one."""
    live = types.live_id(spec.name)
    card = types.registry.card(live) if live else None
    return {
        **spec.model_dump(mode="json"),
        "live_model": live,
        "model": card.model_dump(mode="json", exclude={"drift_reference"}) if card else None,
    }


@router.get("")
def list_types(state: State, workspace: Workspace) -> dict[str, Any]:
    """Return every user-defined type with its fields and live model."""
    types = user_types(state)
    specs = [s for s in (types.spec(n) for n in types.names()) if s is not None]
    return {"types": [type_json(types, s) for s in specs]}


@router.get("/{name}")
def read_type(state: State, workspace: Workspace, name: str) -> dict[str, Any]:
    """Return one user-defined type (404 `unknown_doc_type` when none has the name)."""
    types = user_types(state)
    spec = types.spec(name)
    if spec is None:
        raise ApiError(404, "unknown_doc_type", f"no document type {name!r} is defined")
    return type_json(types, spec)


@router.put("/{name}")
def define_type(
    state: State, workspace: Workspace, name: str, body: TypeDefinition
) -> dict[str, Any]:
    """Define a document type or replace its fields; its trained models are kept.

    A name is lower case letters, digits and _; a built-in type's name is refused (422).
    """
    names = [f.name for f in body.fields]
    if len(set(names)) != len(names):
        raise ApiError(422, "invalid_request", "a field name appears twice")
    try:
        spec = TypeSpec(name=name, description=body.description, fields=body.fields)
        types = user_types(state)
        return type_json(types, types.define(spec))
    except ValueError as exc:
        raise ApiError(422, "invalid_request", _first_line(exc)) from None


@router.post("/{name}/train")
async def train_type(
    request: Request, state: State, workspace: Workspace, name: str
) -> dict[str, Any]:
    """Train the type's extractor on the workspace's reviewed documents of the type.

    The model is stored in the registry with its figures and goes live if it scores at
    least as well as the live one on held-back documents (from 12 reviewed documents; with
    fewer, a new model replaces the live one). 422 `not_enough_examples` under 3.
    """
    return await run_in_threadpool(_train, state, workspace, name, api_reader(request))


def _train(state: AppState, workspace: str, name: str, by: str) -> dict[str, Any]:
    types = user_types(state)
    with state.sessions() as session:
        done = train_from_reviews(session, types, [workspace], name, by)
    return training_json(name, done)


def _first_line(exc: ValueError) -> str:
    text = str(exc)
    return text.splitlines()[-1].strip() if "\n" in text else text
