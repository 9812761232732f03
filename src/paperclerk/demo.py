"""`paperclerk serve --demo DIR`: the service, plus the example documents sent through its API.

A newcomer's first run should show the real thing: the documents go in over HTTP with an
API key, are processed by the embedded workers, and come back as JSON, exactly as an ERP or
RPA robot would see them. The demo makes a `demo` workspace and a fresh key, waits for the
server, submits every file of DIR, writes each result to `OUT/<file>.json` and prints a
summary; the service then keeps running for the user to explore.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from paperclerk.client import Client, ClientError

DEMO_WORKSPACE = "demo"
SUMMARY_FIELDS = ("merchant_name", "vendor_name", "transaction_date", "invoice_date", "total")


def demo_key(database_url: str) -> str:
    """Return a new API key of the `demo` workspace, creating the workspace when missing."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.workspaces import (
        create_api_key,
        create_workspace,
        get_workspace_by_name,
    )

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            workspace = get_workspace_by_name(session, DEMO_WORKSPACE) or create_workspace(
                session, DEMO_WORKSPACE
            )
            return create_api_key(session, workspace.id).key
    finally:
        engine.dispose()


def wait_until_ready(url: str, timeout: float = 60.0) -> bool:
    """Poll `/readyz` until the server answers 200 or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def demo_files(folder: Path) -> list[Path]:
    """Return the documents of a folder (not scripts or hidden files), sorted by name."""
    skip = {".py", ".md", ".json", ".yaml", ".yml", ".txt"}
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
        and p.suffix.lower() not in skip
    )  # fmt: skip


def summary_line(name: str, doc: dict[str, Any]) -> str:
    """Describe one result in a line: type, decision and the key fields read."""
    if doc.get("status") != "done":
        error = doc.get("error") or {}
        return f"{name}: {doc.get('status')} {error.get('code', '')}".rstrip()
    result = doc.get("result") or {}
    fields = result.get("fields") or {}
    read = [
        f"{k}={fields[k]['value']}" for k in SUMMARY_FIELDS if (fields.get(k) or {}).get("value")
    ]
    decision = (result.get("decision") or {}).get("outcome", "-")
    return f"{name}: {result.get('doc_type')} · {decision} · {', '.join(read) or 'no fields'}"


def run_demo(
    url: str, key: str, folder: Path, out: Path, say: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Submit every document of `folder` to the service at `url`; write and summarise results."""
    if not wait_until_ready(url):
        say(f"the service at {url} did not become ready; demo documents not sent")
        return []
    out.mkdir(parents=True, exist_ok=True)
    results = []
    with Client(url, key) as client:
        for path in demo_files(folder):
            try:
                doc = client.submit(path, wait=60)
                if doc.get("status") not in ("done", "failed", "dead"):
                    doc = client.wait(doc["id"], timeout=120)
            except (ClientError, OSError) as exc:
                say(f"{path.name}: {exc}")
                continue
            (out / f"{path.name}.json").write_text(json.dumps(doc, indent=2, default=str))
            say(summary_line(path.name, doc))
            results.append(doc)
    say(f"results written to {out}/")
    return results


def start_demo(
    url: str, key: str, folder: Path, out: Path, say: Callable[[str], None]
) -> threading.Thread:
    """Run `run_demo` in a daemon thread (the server runs in the main thread)."""
    thread = threading.Thread(
        target=run_demo, args=(url, key, folder, out, say), name="paperclerk-demo", daemon=True
    )
    thread.start()
    return thread
