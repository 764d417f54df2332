"""What a document's analysis depends on besides the document: code, models, libraries.

A cached analysis is reused only while all of these are unchanged, so the
record of them must be complete rather than tidy: the package source (every
module except those that only run around the analysis, listed below, so
that a new module counts until it is declared harmless), every file under
`models/` (lexicons, patterns and any knowledge base kept there), and the
versions of the installed distributions listed in
`models/cache/dependencies.txt` (spaCy, its model, and packages that bundle
vocabularies), the knowledge base's fingerprint (its sources and the packages
it reads; the compiled `models/kb/build/` is derived from them and not hashed
again), and a user's own KB (`--kb`) by content. Hashing a few hundred small files takes milliseconds, which
is cheaper than being wrong.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from pipeline import kb, settings

# Modules that orchestrate, assemble or record a run but never run inside a document's analysis:
# editing them keeps the cache (assembly is redone on every run anyway).
NOT_ANALYSIS = frozenset({
    "cli.py", "flow.py", "run.py", "cache.py", "history.py", "changes.py", "lock.py", "versions.py",
    "tables.py", "assemble.py", "support.py", "interest.py", "evaluate/", "strength/train.py",
})

# Built from other files under models/ (and counted through them): hashing 60 MB again would add nothing.
DERIVED_MODELS = frozenset({"kb/build/"})


def tree_digest(root: Path, pattern: str = "*", skip: frozenset[str] = frozenset()) -> str:
    """One digest over the relative paths and bytes of the files under `root` (hidden and `skip` ones left out)."""
    digest = hashlib.sha256()
    root = Path(root)
    files = sorted(p for p in root.rglob(pattern) if p.is_file() and not _skipped(p.relative_to(root), skip))
    for path in files:
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _skipped(rel: Path, skip: frozenset[str]) -> bool:
    """Hidden files, and files or folders (`name/`) listed in `skip`."""
    name = rel.as_posix()
    return (any(part.startswith(".") for part in rel.parts) or name in skip
            or any(entry.endswith("/") and name.startswith(entry) for entry in skip))


def dependency_names(models_dir: Path) -> list[str]:
    """Distributions whose version is part of the analysis (one name a line, `#` comments)."""
    path = Path(models_dir) / "cache" / "dependencies.txt"
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names


def installed_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def analysis_versions(models_dir: Path | None = None, user_kb: Path | None = None) -> dict[str, str]:
    """Everything besides the document that a document's analysis depends on, as readable strings."""
    models_dir = Path(models_dir or settings.MODELS_DIR)
    versions = {
        "code": tree_digest(settings.PACKAGE_DIR, "*.py", NOT_ANALYSIS)[:16],
        "models": tree_digest(models_dir, skip=DERIVED_MODELS)[:16],
        "kb": kb.fingerprint(),
    }
    if user_kb is not None:
        versions["user_kb"] = hashlib.sha256(Path(user_kb).read_bytes()).hexdigest()[:16]
    for name in dependency_names(models_dir):
        versions[name] = installed_version(name)
    return versions


def versions_key(versions: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(versions, sort_keys=True).encode()).hexdigest()
