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


train_app = typer.Typer(help="Train the pipeline's models from labelled data.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure the pipeline on labelled data and print the figures.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")


@app.callback()
def main() -> None:
    """Extract cause-effect claims from a folder of articles into CSV claim tables."""


CorpusArg = Annotated[Path, typer.Argument(help="Folder of articles (.txt .md .html .pdf .jsonl), read recursively.")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Output folder [default: outputs/<corpus name>/].")]


kb_app = typer.Typer(help="The knowledge base concepts are linked to.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("build")
def kb_build(force: Annotated[bool, typer.Option(help="Rebuild even if the sources did not change.")] = False) -> None:
    """Compile MeSH, HPO, the drug vocabulary and models/kb/curated.jsonl into models/kb/build/."""
    from pipeline import kb
    from pipeline.vocabularies import VocabularyError

    try:
        info = kb.build(force=force)
    except VocabularyError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    console.print(f"knowledge base in {kb.build_dir()}: {info['n_concepts']} concepts, {info['n_aliases']} aliases, "
                  f"{info['bytes'] / 1e6:.0f} MB, built in {info['seconds']} s")


KbOption = Annotated[Path | None, typer.Option(
    "--kb", help="Your own KB in scispaCy's JSONL format (concept_id, canonical_name, aliases), linked beside ours.")]


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
    kb: KbOption = None,
) -> None:
    """Run the pipeline on CORPUS and write evidence.csv, claims.csv, entities.csv and documents.csv.

    Input beyond a limit becomes a status=error row in documents.csv that names the limit.

    Limit defaults can also be set as CLAIMS_MAX_DOCUMENT_BYTES, CLAIMS_MAX_HTML_BYTES, ... in the environment.
    """
    from pipeline.flow import add_progress_hook, claims_flow
    from pipeline.linker import UserKBError, prepare_user_kb
    from pipeline.run import default_out_dir

    if not corpus.is_dir():
        console.print(f"[red]error:[/red] corpus folder not found: {corpus}")
        raise typer.Exit(2)
    if not os.access(corpus, os.R_OK | os.X_OK):
        console.print(f"[red]error:[/red] corpus folder cannot be listed (permission denied): {corpus}")
        raise typer.Exit(2)
    limits = Limits(max_document_bytes, max_html_bytes, max_document_chars, max_sentence_chars)
    if kb is not None:
        try:
            prepare_user_kb(kb)
        except UserKBError as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
        kb = kb.resolve()
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
        summary = claims_flow(str(corpus), str(out_dir), batch_size=batch_size, limits=limits,
                              kb=str(kb) if kb else None)
    _print_summary(summary)


REPO = Path(__file__).resolve().parent.parent
EvalDir = Annotated[Path, typer.Option(help="Folder with the gold files and score_claims.py.")]


@bench_app.command("seeds")
def bench_seeds(eval_dir: EvalDir = REPO.parent / "shared" / "eval") -> None:
    """Score the bundled seed corpus against its gold claims (core and mechanism P/R/F1)."""
    _bench_gold("seeds", eval_dir)


@bench_app.command("medquad")
def bench_medquad(eval_dir: EvalDir = REPO.parent / "shared" / "eval") -> None:
    """Score the ten NIH development articles against their gold claims, and check denials."""
    _bench_gold("medquad", eval_dir)


@bench_app.command("semeval")
def bench_semeval(
    data: Annotated[Path, typer.Option(help="SemEval-2010 Task 8 TRAIN_FILE.TXT.")] = (
        REPO.parent / "shared" / "data" / "semeval2010-task8" / "TRAIN_FILE.TXT"),
) -> None:
    """General-English diagnostic: Cause-Effect detection and direction on SemEval-2010 Task 8."""
    from pipeline.evaluate.semeval import evaluate

    r = evaluate(data)
    table = Table(title=f"SemEval-2010 Task 8, {r['sentences']} sentences ({r['cause_effect']} Cause-Effect)")
    for key in ("precision", "recall", "f1", "direction_accuracy"):
        table.add_row(key, f"{r[key]:.3f}")
    Console().print(table)


@bench_app.command("ncbi-disease")
def bench_ncbi(
    corpus: Annotated[Path, typer.Option(help="An NCBI Disease corpus file (PubTator format).")] = (
        REPO.parent / "shared" / "data" / "ncbi-disease" / "NCBIdevelopset_corpus.txt"),
    show: Annotated[int, typer.Option(help="List this many wrong predictions.")] = 0,
) -> None:
    """Normalisation accuracy on gold disease mentions: the share linked to their gold MeSH/OMIM id."""
    from pipeline.evaluate.ncbi_disease import ncbi_disease_accuracy

    if not corpus.is_file():
        console.print(f"[red]error:[/red] file not found: {corpus}")
        raise typer.Exit(2)
    result = ncbi_disease_accuracy(corpus)
    for wrong in result.errors[:show]:
        console.print(f"{wrong.text!r}: gold {wrong.gold} predicted {wrong.predicted} ({wrong.name})")
    typer.echo(f"mentions {result.n}  correct {result.correct}  accuracy {result.accuracy:.3f}")


def _bench_gold(name: str, eval_dir: Path) -> None:
    from pipeline.evaluate.gold import gold_sets, load_scorer, run_and_score

    gold = gold_sets(eval_dir, eval_dir.parent / "corpus", REPO / "corpus")[name]
    result = run_and_score(gold, load_scorer(eval_dir))
    table = Table(title=f"{name}: {gold.corpus}")
    for column in ("tier", "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(column)
    for tier in ("core", "mechanism"):
        r = result[tier]
        table.add_row(tier, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                      str(r["tp"]), str(r["fp"]), str(r["fn"]))
    Console().print(table)
    if "negated" in result:
        n = result["negated"]
        Console().print(f"denied claims marked negated: {n['found']} of {n['total']}")


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
