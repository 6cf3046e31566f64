"""Files that every node must see — attachments, monthly reports, published category models — live in
Django's default storage: the folder MINQING_MEDIA_ROOT (shared by the nodes of a cluster: NFS, CephFS…)
or S3-compatible object storage (MINQING_STORAGE_URL, django-storages). Nothing is read from or written to
a node's own MINQING_HOME: a file written there by one node answered 500 when another node was asked for it
(issue 19). Attachments go through their FileField (which uses this storage); everything else here.

A file appears whole or not at all: on a folder it is written beside and renamed over (a worker killed
mid-write leaves a `.part`, never a short file under the real name); an object store's PUT is atomic."""

from __future__ import annotations

import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def _local_path(name: str) -> str | None:
    try:
        return default_storage.path(name)
    except NotImplementedError:  # object storage: no path
        return None


def exists(name: str) -> bool:
    return default_storage.exists(name)


def write_whole(name: str, data: bytes) -> str:
    """Write `data` under `name` (replacing what was there); returns the name."""
    path = _local_path(name)
    if path is None:
        if default_storage.exists(name):
            default_storage.delete(name)
        return default_storage.save(name, ContentFile(data))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    part = f"{path}.{os.getpid()}.part"
    with open(part, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)
    return name


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as f:
        return f.read()
