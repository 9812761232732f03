"""Rich tables for evaluation results."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from paperclerk.evaluation.scoring import Scoreboard


def print_scoreboard(board: Scoreboard, title: str, console: Console | None = None) -> None:
    """Print per-field precision, recall and F1 (strict and normalised), and the micro average."""
    console = console or Console()
    table = Table(title=title)
    for col in ("field", "precision", "recall", "F1", "F1 normalised", "correct", "expected"):
        table.add_column(col, justify="left" if col == "field" else "right")
    for name, s in board.fields.items():
        loose = board.fields_normalised.get(name, s)
        table.add_row(
            name,
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            f"{loose.f1:.3f}",
            str(s.correct),
            str(s.expected),
        )
    m, n = board.micro, board.micro_normalised
    table.add_row(
        "[bold]micro[/bold]",
        f"{m.precision:.3f}",
        f"{m.recall:.3f}",
        f"[bold]{m.f1:.3f}[/bold]",
        f"[bold]{n.f1:.3f}[/bold]",
        str(m.correct),
        str(m.expected),
    )
    console.print(table)
    console.print(
        f"documents: {board.docs}   seconds per document: {board.seconds_per_doc:.3f}"
        f" (mean latency {board.latency:.3f})"
        f"   errors: {len(board.errors)}"
    )
    auto = board.automation
    if auto.documents:
        console.print(
            f"automation rate: {auto.rate:.3f} ({auto.auto_approved} of {auto.documents} documents"
            f" auto-approved)   field error among them: {auto.field_error:.4f}"
        )
