"""`claims`: extract, normalise and score cause-effect claims from a corpus."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich import box
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
console = Console(stderr=True, soft_wrap=True)  # messages stay one line, whole, for grep and logs


train_app = typer.Typer(help="Train the pipeline's models from labelled data.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure the pipeline on labelled data and print the figures.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")


@app.callback()
def main() -> None:
    """Extract cause-effect claims from a folder of articles into CSV claim tables."""


CorpusArg = Annotated[Path, typer.Argument(help="Folder of articles (.txt .md .html .pdf .jsonl), read recursively.")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: outputs/<corpus name>/).")]
HistoryOption = Annotated[Path, typer.Option("--out", "-o", help="Output folder whose run history to read.")]
BatchOption = Annotated[int, typer.Option(help="Documents per Prefect task.")]


def _check_corpus(corpus: Path) -> None:
    if not corpus.is_dir():
        console.print(f"[red]error:[/red] corpus folder not found: {escape(str(corpus))}")
        raise typer.Exit(2)
    if not os.access(corpus, os.R_OK | os.X_OK):
        console.print(f"[red]error:[/red] corpus folder cannot be listed (permission denied): {escape(str(corpus))}")
        raise typer.Exit(2)


def _refuse_if_busy(out_dir: Path) -> None:
    from pipeline.history import History
    from pipeline.lock import OutputBusy, is_busy

    if is_busy(out_dir):
        console.print(f"[red]error:[/red] {escape(str(OutputBusy(out_dir, History(out_dir).running())))}")
        raise typer.Exit(3)


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
    batch_size: BatchOption = 8,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-analyse every document.")] = False,
    max_document_bytes: MaxBytes = _DEFAULTS.max_document_bytes,
    max_html_bytes: MaxHtml = _DEFAULTS.max_html_bytes,
    max_document_chars: MaxChars = _DEFAULTS.max_document_chars,
    max_sentence_chars: MaxSentence = _DEFAULTS.max_sentence_chars,
    dask_address: Annotated[str | None, typer.Option(
        help="Run the analysis on the Dask cluster at this scheduler address (tcp://host:8786).")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Run the analysis on a local Dask cluster of N worker processes.")] = None,
    kb: KbOption = None,
) -> None:
    """Run the pipeline on CORPUS: evidence.csv, claims.csv, entities.csv, documents.csv and changes.csv.

    Documents analysed by an earlier run into the same output folder, unchanged
    since and with the same code, models and KB, are taken from its cache.

    Input beyond a limit becomes a status=error row in documents.csv that names the limit.

    Limit defaults can also be set as CLAIMS_MAX_DOCUMENT_BYTES, CLAIMS_MAX_HTML_BYTES, ... in the environment.
    """
    from pipeline.linker import UserKBError, prepare_user_kb
    from pipeline.lock import OutputBusy
    from pipeline.run import default_out_dir

    _check_corpus(corpus)
    limits = Limits(max_document_bytes, max_html_bytes, max_document_chars, max_sentence_chars)
    if kb is not None:
        try:
            prepare_user_kb(kb)
        except UserKBError as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
        kb = kb.resolve()
    out_dir = out or default_out_dir(corpus)
    _refuse_if_busy(out_dir)
    from pipeline.flow import add_progress_hook, run_flow

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
        try:
            summary = run_flow(str(corpus), str(out_dir), dask_address=dask_address, workers=workers,
                               batch_size=batch_size, use_cache=not no_cache, limits=limits,
                               kb=str(kb) if kb else None)
        except OutputBusy as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(3) from None
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


BC5CDR_SPLITS = {"train": "CDR_TrainingSet.PubTator.txt", "dev": "CDR_DevelopmentSet.PubTator.txt",
                 "test": "CDR_TestSet.PubTator.txt"}


@bench_app.command("bc5cdr")
def bench_bc5cdr(
    split: Annotated[str, typer.Option(help="BC5CDR split under --data: train, dev or test.")] = "dev",
    file: Annotated[Path | None, typer.Option(help="Any PubTator file with CID relations (not --split).")] = None,
    data: Annotated[Path, typer.Option(help="Folder with the BC5CDR PubTator files.")] = (
        REPO.parent / "shared" / "data" / "bc5cdr"),
    out: Annotated[Path | None, typer.Option(help="Keep the run's tables here.")] = None,
) -> None:
    """Chemical-induced disease relations end to end (entities predicted by the pipeline), scored the official
    way against the file's own CID lines, beside published figures and co-occurrence baselines."""
    from pipeline.evaluate.bc5cdr import PUBLISHED, PUBLISHED_NORMALISATION, evaluate

    if file is None:
        if split not in BC5CDR_SPLITS:
            console.print(f"[red]error:[/red] --split must be one of {', '.join(BC5CDR_SPLITS)}")
            raise typer.Exit(2)
        file = data / BC5CDR_SPLITS[split]
    if not file.is_file():
        console.print(f"[red]error:[/red] file not found: {file}")
        raise typer.Exit(2)
    if file.name == BC5CDR_SPLITS["train"]:
        console.print("[yellow]note:[/yellow] the document-level model was trained on this file; "
                      "its figures here are not a measurement")
    with Progress(TextColumn("[bold]analysing[/bold]"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task_id = bar.add_task("docs", total=None)
        report = evaluate(file, out, lambda done, total: bar.update(task_id, completed=done, total=total))
    table = Table(title=f"BC5CDR chemical-induced disease, {file.name} ({report.n_documents} abstracts)")
    for column in ("system", "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(column)

    def row(name: str, score) -> None:
        table.add_row(name, f"{score.precision:.3f}", f"{score.recall:.3f}", f"{score.f1:.3f}", str(score.tp),
                      str(score.fp), str(score.fn))

    row("claims (this run, end to end)", report.cid)
    for name, score in report.baselines.items():
        row(name, score)
    for name, p, r, f in PUBLISHED:
        table.add_row(name + ", published", *(f"{v:.3f}" if v is not None else "-" for v in (p, r, f)), "", "", "")
    Console().print(table)
    norm = Table(title="Normalisation to MeSH (document-level id sets, as BioCreative V scored it)")
    for column in ("entities", "P", "R", "F1", "tp", "fp", "fn"):
        norm.add_column(column)
    for name, score in (("chemicals (this run)", report.chemicals), ("diseases (this run)", report.diseases)):
        norm.add_row(name, f"{score.precision:.3f}", f"{score.recall:.3f}", f"{score.f1:.3f}", str(score.tp),
                     str(score.fp), str(score.fn))
    for name, p, r, f in PUBLISHED_NORMALISATION:
        norm.add_row(name + ", published", *(f"{v:.3f}" if v is not None else "-" for v in (p, r, f)), "", "", "")
    Console().print(norm)
    Console().print(f"tables: {report.out_dir}")


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
    table = Table(title=f"claims run {summary.run_id}: {summary.corpus}", show_header=False)
    table.add_row("documents ok", str(summary.n_ok))
    table.add_row("documents failed", str(summary.n_failed))
    table.add_row("analysed / from cache", f"{summary.n_analysed} / {summary.n_cached}")
    table.add_row("evidence rows", str(summary.n_evidence))
    table.add_row("claims", str(summary.n_claims))
    table.add_row("claims added / removed / changed", f"{summary.n_added} / {summary.n_removed} / {summary.n_changed}")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    table.add_row("tables", str(summary.out_dir))
    console.print(table)
    for doc_id, path, reason in summary.failures:  # names and reasons come from the corpus: never markup
        console.print(f"[yellow]failed[/yellow] {escape(path or doc_id)}: {escape(reason)}")
    if summary.failures:
        console.print(f"[yellow]{summary.n_failed} document(s) failed; see documents.csv (status=error).[/yellow]")


def _history(out: Path):
    from pipeline.history import History

    history = History(out)
    if not history.exists():
        console.print(f"[red]error:[/red] no run history in {escape(str(out))} ({history.path.name} not found); "
                      f"pass the output folder of a run with --out")
        raise typer.Exit(2)
    return history


@app.command()
def history(
    out: HistoryOption = Path("."),
    run_id: Annotated[int | None, typer.Option("--run", help="Show one run: versions, outputs, documents.")] = None,
) -> None:
    """List the runs recorded in an output folder: when, what they read and produced, what changed."""
    store = _history(out)
    runs = store.runs()
    if run_id is not None:
        _show_run(store, runs, run_id)
        return
    table = Table(title=f"runs in {out}", box=box.SIMPLE_HEAD)
    for column in ("run", "started (UTC)", "status", "seconds", "docs ok", "failed", "analysed", "cached",
                   "evidence", "claims", "added", "removed", "changed"):
        table.add_column(column, no_wrap=True, justify="left" if column in ("started (UTC)", "status") else "right")
    for r in runs.fillna("").to_dict(orient="records"):
        table.add_row(str(r["run_id"]), r["started_at"].replace("T", " ")[:16], r["status"],
                      f"{r['seconds']:.1f}" if r["seconds"] != "" else "",
                      *(_num(r[k]) for k in ("n_ok", "n_failed", "n_analysed", "n_cached", "n_evidence",
                                              "n_claims", "n_added", "n_removed", "n_changed")))
    _stdout().print(table)


def _stdout() -> Console:
    """Standard output; wide when it is a file or pipe, so that tables are not cut to 80 columns."""
    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=200)


def _num(value) -> str:
    return "" if value == "" else str(int(value))


def _show_run(store, runs, run_id: int) -> None:
    import json

    row = runs[runs.run_id == run_id]
    if row.empty:
        console.print(f"[red]error:[/red] no run {run_id} in {escape(str(store.path))}")
        raise typer.Exit(2)
    r = row.iloc[0]
    out = _stdout()
    out.print(f"run {run_id}: {r.status}, started {r.started_at}, finished {r.finished_at or '-'}, "
              f"corpus {escape(r.corpus)}")
    if r.error:
        out.print(f"error: {escape(r.error)}")
    out.print("versions: " + ", ".join(f"{k}={v}" for k, v in json.loads(r.versions or "{}").items()))
    outputs = store.outputs(run_id)
    for o in outputs.itertuples():
        out.print(f"wrote {o.name}: {o.n_rows} rows, sha256 {o.sha256}")
    docs = store.documents(run_id)
    table = Table(title=f"documents read by run {run_id}")
    for column in ("doc_id", "path", "sha256", "status", "evidence", "analysed"):
        table.add_column(column)
    for d in docs.itertuples():
        table.add_row(escape(d.doc_id), escape(d.path), d.sha256[:16], d.status, str(d.n_evidence),
                      "yes" if d.analysed else "cache")
    out.print(table)


@app.command()
def diff(
    run_a: Annotated[int | None, typer.Argument(help="Earlier run (default: the one before RUN_B).")] = None,
    run_b: Annotated[int | None, typer.Argument(help="Later run (default: the last completed run).")] = None,
    out: HistoryOption = Path("."),
    csv: Annotated[Path | None, typer.Option(help="Also write every change to this CSV file.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print (0: all).")] = 50,
) -> None:
    """Claims added, removed, or changed (support, sources, flags) between two runs (default: the last two)."""
    from pipeline.changes import claim_changes, summary
    from pipeline.history import UnknownRun

    store = _history(out)
    completed = store.completed_ids()
    if run_b is None:
        run_b = completed[-1] if completed else None
    if run_a is None:
        earlier = [r for r in completed if run_b is not None and r < run_b]
        run_a = earlier[-1] if earlier else None
    if run_a is None or run_b is None:
        console.print(f"[red]error:[/red] a diff needs two completed runs; "
                      f"{escape(str(store.path))} has {len(completed)}")
        raise typer.Exit(2)
    try:
        changes = claim_changes(store.claims(run_a), store.claims(run_b))
    except UnknownRun as exc:
        known = ", ".join(map(str, completed)) or "none"
        console.print(f"[red]error:[/red] {escape(str(exc))} (completed runs: {known})")
        raise typer.Exit(2) from None
    counts = summary(changes)
    _stdout().print(f"run {run_a} -> run {run_b}: {counts['n_added']} claims added, {counts['n_removed']} removed, "
                    f"{counts['n_changed']} changed")
    if csv:
        from pipeline.tables import to_csv_bytes

        csv.write_bytes(to_csv_bytes(changes))
    if changes.empty:
        return
    shown = changes if limit <= 0 else changes.head(limit)
    table = Table()
    for column in changes.columns:
        table.add_column(column)
    for row in shown.itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in row))
    _stdout().print(table)
    if len(shown) < len(changes):
        _stdout().print(f"... {len(changes) - len(shown)} more rows (--limit 0, or --csv FILE)")


@app.command()
def serve(
    corpus: CorpusArg,
    out: OutOption = None,
    cron: Annotated[str | None, typer.Option(help='Cron schedule, e.g. "0 3 * * *" (03:00 daily).')] = None,
    interval: Annotated[int | None, typer.Option(help="Run every this many seconds.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone of the schedule (default: UTC).")] = None,
    name: Annotated[str | None, typer.Option(help="Deployment name (default: the corpus folder's name).")] = None,
    batch_size: BatchOption = 8,
) -> None:
    """Serve a Prefect deployment that refreshes CORPUS's tables on a schedule (needs a Prefect server).

    Start a server (`prefect server start`), point PREFECT_API_URL at it, then
    run this; it runs scheduled and manual runs until stopped (Ctrl-C), which
    pauses the schedule. Trigger a run by hand with
    `prefect deployment run 'claims-run/NAME'`.
    """
    from prefect.client.schemas.schedules import construct_schedule
    from prefect.deployments.runner import EntrypointType
    from prefect.settings import PREFECT_API_URL

    from pipeline.run import default_out_dir

    _check_corpus(corpus)
    if cron and interval:
        console.print("[red]error:[/red] give --cron or --interval, not both")
        raise typer.Exit(2)
    try:
        schedules = [construct_schedule(cron=cron, interval=interval, timezone=timezone)] if cron or interval else []
    except ValueError as exc:
        console.print(f"[red]error:[/red] invalid schedule: {escape(str(exc))}")
        raise typer.Exit(2) from None
    if not PREFECT_API_URL.value():
        console.print(
            "[red]error:[/red] schedules need a running Prefect server: start one with "
            "`prefect server start --host 127.0.0.1` and set PREFECT_API_URL=http://127.0.0.1:4200/api "
            "(Prefect's temporary per-process server never runs scheduled flows)"
        )
        raise typer.Exit(2)
    from pipeline.flow import claims_flow

    out_dir = (out or default_out_dir(corpus)).resolve()
    name = name or corpus.resolve().name
    when = f"cron {cron!r}" if cron else f"every {interval} s" if interval else "manual runs only"
    console.print(f"serving deployment [bold]claims-run/{escape(name)}[/bold] ({escape(when)}, "
                  f"{escape(timezone or 'UTC')}) for {escape(str(corpus.resolve()))} -> {escape(str(out_dir))}\n"
                  f"server {escape(str(PREFECT_API_URL.value()))}; trigger a run by hand with: "
                  f"prefect deployment run {escape(repr(f'claims-run/{name}'))}   (Ctrl-C stops serving)")
    claims_flow.serve(
        name=name, schedules=schedules, limit=1, print_starting_message=False,
        parameters={"corpus": str(corpus.resolve()), "out_dir": str(out_dir), "batch_size": batch_size},
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


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
