"""Issue 15 (fuzzing in CI): the `metadata` form field of `POST /v1/documents`, fuzzed.

Through the public behaviour only: whatever text is sent as `metadata`, the answer is a
typed JSON error (422 for metadata that is refused) or, for a JSON object, the next check
in line. The file sent is plain text, which the intake refuses with 415 after it has
read the metadata, so no example stores anything and each one is cheap.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.test_api import Api, receipt_png

NOT_A_DOCUMENT = b"just some text, not a document\n"
FUZZ = settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


def _send(api: Api, metadata: str) -> tuple[int, dict[str, object]]:
    r = api.client.post(
        "/v1/documents",
        files={"file": ("note.txt", NOT_A_DOCUMENT, "text/plain")},
        data={"metadata": metadata},
        headers=api.headers(),
    )
    body = r.json()
    assert isinstance(body, dict) and "error" in body, r.text
    return r.status_code, body["error"]


def _check(api: Api, metadata: str) -> None:
    try:
        parsed = json.loads(metadata)
    except (ValueError, RecursionError):
        parsed = None
    status, error = _send(api, metadata)
    assert status < 500, (status, error)
    assert isinstance(error, dict) and isinstance(error["code"], str) and error["message"]
    if status == 415:  # the metadata passed: it must have been a JSON object
        assert isinstance(parsed, dict) or not metadata
    elif status == 422:
        assert error["code"] in ("invalid_request", "invalid_metadata"), error
    else:
        pytest.fail(f"unexpected answer {status} {error}")


@FUZZ
@given(_json.map(json.dumps))
def test_any_json_value_is_accepted_as_an_object_or_refused(fuzz_api: Api, text: str) -> None:
    _check(fuzz_api, text)


@FUZZ
@given(st.text(max_size=300))
def test_any_text_is_refused_with_a_typed_error_unless_an_object(fuzz_api: Api, text: str) -> None:
    _check(fuzz_api, text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":' * 100_000 + "1" + "}" * 100_000,  # deeper than the parser's recursion
        "[" * 100_000,
        '{"a": "' + "x" * 200_000 + '"}',
        '{"a": NaN, "b": Infinity}',
        '{"a": "\\ud800"}',  # a lone surrogate
        '{"a": "\\u0000"}',
        '{"a": 1e999999}',
        '{"a": ' + "9" * 5000 + "}",  # more digits than int() reads by default
        json.dumps({str(i): i for i in range(5000)}),
    ],
    ids=[
        "deep-object",
        "deep-array",
        "large",
        "nan",
        "surrogate",
        "nul",
        "huge-float",
        "long-int",
        "many-keys",
    ],
)
def test_hostile_metadata_is_a_typed_answer(fuzz_api: Api, text: str) -> None:
    _check(fuzz_api, text)


def test_a_lone_surrogate_in_metadata_is_refused_or_stored_readably(fuzz_api: Api) -> None:
    key = fuzz_api.key_b  # its own workspace: a poisoned listing stays there
    r = fuzz_api.client.post(
        "/v1/documents",
        files={"file": ("r.png", receipt_png(), "image/png")},
        data={"metadata": '{"a": "\\ud800"}'},
        headers=fuzz_api.headers(key),
    )
    assert r.status_code in (202, 422), r.text
    listing = fuzz_api.client.get("/v1/documents", headers=fuzz_api.headers(key))
    assert listing.status_code == 200, listing.text
