"""One category model for the whole cluster (issue 19). A model trained on one node (`minqing text
train`, the worker's retraining, `minqing migrate`'s first model) is published: copied into the shared
storage (ledger/files.py) under a name of its own, and named in the "category_model" shared version
(org/versions.py). Every process looks at that row at most every SYNC_SECONDS and, when it names a model
this node does not have yet, copies it into the node's MINQING_HOME/models (where text/classify.py loads
it from) and drops the model it holds (its sibling processes see the new file within classify.RECHECK_SECONDS): a
retrained model reaches every process of every node within a minute, without a restart.
Without a published model (an installation older than this, or none trained yet) the node keeps its own."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..org import versions
from ..text import classify
from . import files

log = logging.getLogger(__name__)
NAME = "category_model"
SYNC_SECONDS = 10.0


def _source_marker() -> Path:
    return classify.default_path().with_suffix(".source")


def publish(path: Path) -> str:
    """Copy the model file at `path` into the shared storage and make it the cluster's current model."""
    name = files.write_whole(f"models/{path.name}", path.read_bytes())
    _install(name, path.read_bytes())
    versions.bump(NAME, name)
    _prune(keep={name})
    return name


KEEP = 3  # published models kept in the shared storage (the current one and two before it, to go back by hand)


def _prune(keep: set[str]) -> None:
    from django.core.files.storage import default_storage

    try:
        names = sorted(n for n in default_storage.listdir("models")[1] if n.endswith(".joblib"))
    except (FileNotFoundError, NotImplementedError):
        return
    for old in names[:-KEEP]:
        if f"models/{old}" not in keep:
            default_storage.delete(f"models/{old}")


def published() -> str:
    row = versions.current(NAME)
    return row.value if row else ""


def sync(every: float = SYNC_SECONDS) -> bool:
    """Install the cluster's current model in this node if it is not the one here; True if it was."""
    row = versions.changed(NAME, every)
    if row is None or not row.value:
        return False
    marker = _source_marker()
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == row.value:
        return False  # here already (another process of this node fetched it: text/classify.py sees the new file)
    try:
        _install(row.value, files.read(row.value))
    except Exception:  # keep serving with the model this node has
        log.exception("could not fetch the published category model %s", row.value)
        return False
    log.info("category model %s installed from the shared storage", row.value)
    return True


def _install(name: str, data: bytes) -> None:
    path = classify.default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_bytes(data)
    os.replace(part, path)
    _source_marker().write_text(name + "\n", encoding="utf-8")
    classify.reset_default_model()


def ensure_published(out=print) -> str:
    """`minqing migrate` and `minqing up`: the cluster has a model — this node's (trained from the shipped
    data on a first start) is published when none is; else the published one is fetched."""
    current = published()
    if current and files.exists(current):
        sync(every=0)
        return current
    if current:  # named but not in the storage (restored database, storage moved): publish this node's again
        log.warning("published category model %s is not in the storage: publishing this node's", current)
    path = classify.default_path()
    if not path.exists():
        out("training the category model from the shipped data (first start only)…")
    classify.default_model(build=True)
    return publish(path)
