"""`paperclerk approvals policy set|show`: a workspace's invoice payment approval policy.

`set` reads the policy from a JSON or YAML file (`rules`: each a name, a `when` and its
steps, see `payables.approval_policy`), validates it and stores it, exactly as
`PUT /v1/approval-policy` does; a bad file or an unknown workspace exits 2 with the reason
and stores nothing. `show` prints the stored policy as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from paperclerk.cli.common import DataDir, console, open_data_dir

approvals_app = typer.Typer(help="Invoice payment approvals.", no_args_is_help=True)
policy_app = typer.Typer(help="The workspace's approval policy.", no_args_is_help=True)
approvals_app.add_typer(policy_app, name="policy")

PolicyFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="The policy, JSON or YAML.")
]
WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace name or id.")]


def _read(file: Path) -> Any:
    """Return the parsed policy document (YAML is a superset of JSON); exit 2 if unreadable."""
    import yaml

    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        console.print(f"[red]{file} is not JSON or YAML: {exc}[/red]")
        raise typer.Exit(2) from None


def _workspace_id(session: Session, workspace: str) -> str:
    """Return the id of the workspace named (or with this id); exit 2 when there is none."""
    from paperclerk.storage.workspaces import get_workspace, get_workspace_by_name

    found = get_workspace_by_name(session, workspace) or get_workspace(session, workspace)
    if found is None:
        console.print(f"[red]no workspace {workspace!r}[/red]")
        raise typer.Exit(2)
    return found.id


@policy_app.command("set")
def set_policy(file: PolicyFile, workspace: WorkspaceOption, data_dir: DataDir = None) -> None:
    """Validate a policy file and store it as the workspace's approval policy."""
    from paperclerk.payables.approval_policy import ApprovalPolicyError, policy_from_dict
    from paperclerk.payables.approval_store import save_policy
    from paperclerk.storage.db import make_engine, make_session_factory

    try:
        policy = policy_from_dict(_read(file))
    except ApprovalPolicyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session, session.begin():
        save_policy(session, _workspace_id(session, workspace), policy, "cli")
    print(f"approval policy set: {len(policy.rules)} rule(s)")


@policy_app.command("show")
def show_policy(workspace: WorkspaceOption, data_dir: DataDir = None) -> None:
    """Print the workspace's approval policy as JSON (exit 1 when it has none)."""
    from paperclerk.payables.approval_store import get_policy
    from paperclerk.storage.db import make_engine, make_session_factory

    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url))() as session:
        policy = get_policy(session, _workspace_id(session, workspace))
    if policy is None:
        console.print("this workspace has no approval policy")
        raise typer.Exit(1)
    print(json.dumps(policy.model_dump(mode="json"), indent=2))
