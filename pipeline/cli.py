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


train_app = typer.Typer(help="Train the pipeline's models from labelled data.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure the pipeline on labelled data and print the figures.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")


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


StrengthData = Annotated[Path | None, typer.Option(
    "--data", help="Yu et al.'s CSV (sentence,label) [default: ../shared/data/claim-strength/...dev.csv].")]


@train_app.command("strength")
def train_strength(
    data: StrengthData = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Model folder [default: models/strength/].")] = None,
) -> None:
    """Fit the claim-strength model on all labelled sentences and write models/strength/model.npz."""
    from pipeline.strength.train import DEFAULT_DATA, train

    try:
        model, meta = train(data or DEFAULT_DATA, out)
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"trained on {meta['n_sentences']} sentences ({meta['label_counts']}); "
                  f"{meta['n_features']} features; written to {out or 'models/strength'}")


@bench_app.command("strength")
def bench_strength(
    data: StrengthData = None,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the stratified fold split.")] = 0,
) -> None:
    """Cross-validated macro-F1 and per-class scores of the claim-strength model (Yu et al.'s BERT: 0.88)."""
    from pipeline.strength.train import DEFAULT_DATA, cross_validate, featurise, read_dataset

    try:
        dataset = read_dataset(data or DEFAULT_DATA)
    except (FileNotFoundError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    scores = cross_validate(featurise(dataset.sentences, dataset.labels), folds=folds, seed=seed)
    table = Table(title=f"claim strength: {folds}-fold CV on {scores.n} sentences ({Path(dataset.source).name})")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, (p, r, f, n) in scores.per_class.items():
        table.add_row(label, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(n))
    table.add_row("macro", "", "", f"{scores.macro_f1:.3f}", str(scores.n))
    Console().print(table)
    print(f"macro-F1 {scores.macro_f1:.3f}  accuracy {scores.accuracy:.3f}  "
          f"(reference: Yu et al. 2019 BioBERT 0.88; target 0.80)  {scores.seconds:.0f} s")


if __name__ == "__main__":
    app()
