"""`claims`: extract, normalise and score cause-effect claims from a corpus."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pipeline.settings import Limits

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


_DEFAULTS = Limits()
MaxBytes = Annotated[int, typer.Option(min=1, help="Limit: bytes per file (a JSONL file counts as one).")]
MaxHtml = Annotated[int, typer.Option(min=1, help="Limit: bytes per HTML page.")]
MaxChars = Annotated[int, typer.Option(min=1, help="Limit: characters per document, after decoding.")]
MaxSentence = Annotated[int, typer.Option(min=1, help="Limit: characters of text without a sentence end.")]


@app.command()
def run(
    corpus: CorpusArg,
    out: OutOption = None,
    batch_size: Annotated[int, typer.Option(help="Documents per Prefect task.")] = 8,
    max_document_bytes: MaxBytes = _DEFAULTS.max_document_bytes,
    max_html_bytes: MaxHtml = _DEFAULTS.max_html_bytes,
    max_document_chars: MaxChars = _DEFAULTS.max_document_chars,
    max_sentence_chars: MaxSentence = _DEFAULTS.max_sentence_chars,
) -> None:
    """Run the pipeline on CORPUS and write evidence.csv, claims.csv and documents.csv.

    Input beyond a limit becomes a status=error row in documents.csv that names the limit.

    Limit defaults can also be set as CLAIMS_MAX_DOCUMENT_BYTES, CLAIMS_MAX_HTML_BYTES, ... in the environment.
    """
    from pipeline.flow import add_progress_hook, claims_flow
    from pipeline.run import default_out_dir

    if not corpus.is_dir():
        console.print(f"[red]error:[/red] corpus folder not found: {corpus}")
        raise typer.Exit(2)
    if not os.access(corpus, os.R_OK | os.X_OK):
        console.print(f"[red]error:[/red] corpus folder cannot be listed (permission denied): {corpus}")
        raise typer.Exit(2)
    limits = Limits(max_document_bytes, max_html_bytes, max_document_chars, max_sentence_chars)
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
        summary = claims_flow(str(corpus), str(out_dir), batch_size=batch_size, limits=limits)
    _print_summary(summary)


def _print_summary(summary) -> None:
    table = Table(title=f"claims run: {summary.corpus}", show_header=False)
    table.add_row("documents ok", str(summary.n_ok))
    table.add_row("documents failed", str(summary.n_failed))
    table.add_row("evidence rows", str(summary.n_evidence))
    table.add_row("claims", str(summary.n_claims))
    table.add_row("tables", str(summary.out_dir))
    console.print(table)
    for doc_id, path, reason in summary.failures:  # names and reasons come from the corpus: never markup
        console.print(f"[yellow]failed[/yellow] {escape(path or doc_id)}: {escape(reason)}")
    if summary.failures:
        console.print(f"[yellow]{summary.n_failed} document(s) failed; see documents.csv (status=error).[/yellow]")


if __name__ == "__main__":
    app()
