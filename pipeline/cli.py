"""`claims`: extract, normalise and score cause-effect claims from a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

import pipeline.prefect_env  # noqa: F401  (must precede any Prefect import)

app = typer.Typer(
    help="Extract cause-effect claims from a folder of articles into CSV claim tables.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


@app.callback()
def main() -> None:
    """Extract cause-effect claims from a folder of articles into CSV claim tables."""


CorpusArg = Annotated[Path, typer.Argument(help="Folder of articles (.txt .md .html .pdf .jsonl), read recursively.")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Output folder [default: outputs/<corpus name>/].")]


@app.command()
def run(
    corpus: CorpusArg,
    out: OutOption = None,
    batch_size: Annotated[int, typer.Option(help="Documents per Prefect task.")] = 8,
) -> None:
    """Run the pipeline on CORPUS and write evidence.csv, claims.csv and documents.csv."""
    from pipeline.flow import add_progress_hook, claims_flow
    from pipeline.run import default_out_dir

    if not corpus.is_dir():
        console.print(f"[red]error:[/red] corpus folder not found: {corpus}")
        raise typer.Exit(2)
    out_dir = out or default_out_dir(corpus)
    with Progress(
        TextColumn("[bold]analysing[/bold]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("docs · {task.fields[rate]}"), TimeRemainingColumn(), console=console,
        transient=True,
    ) as bar:
        task_id = bar.add_task("docs", total=None, rate="")

        def hook(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:.1f} docs/s" if elapsed > 0 else ""
            bar.update(task_id, completed=done, total=total, rate=rate)

        add_progress_hook(hook)
        summary = claims_flow(str(corpus), str(out_dir), batch_size=batch_size)
    _print_summary(summary)


def _print_summary(summary) -> None:
    table = Table(title=f"claims run: {summary.corpus}", show_header=False)
    table.add_row("documents ok", str(summary.n_ok))
    table.add_row("documents failed", str(summary.n_failed))
    table.add_row("evidence rows", str(summary.n_evidence))
    table.add_row("claims", str(summary.n_claims))
    table.add_row("tables", str(summary.out_dir))
    console.print(table)
    for doc_id, path, reason in summary.failures:
        console.print(f"[yellow]failed[/yellow] {path or doc_id}: {reason}")
    if summary.failures:
        console.print(f"[yellow]{summary.n_failed} document(s) failed; see documents.csv (status=error).[/yellow]")


if __name__ == "__main__":
    app()
