"""`minqing backup FILE` and `minqing restore FILE [--force]`: the whole installation in one file.

The file is a tar (mode 0600: it may hold the audit key) of
    manifest.json            format, versions, time, engine, applied migrations, counts, files, key fingerprint
    database/…               SQLite: a copy made with sqlite3's backup API (one consistent snapshot, online);
                             PostgreSQL: `pg_dump -Fc` of the configured database, in the snapshot the counts
                             were taken in (`pg_export_snapshot`, `pg_dump --snapshot`)
    media/…                  the uploaded files (MEDIA_ROOT: attachments/YYYY/MM/<case>/<name>), copied after
                             the database: an attachment's file is stored before its row is committed, so
                             every file the snapshot names is there
    audit_key                the key of the seals (ledger/seal.py), unless --no-key
It is written as FILE.part and renamed when complete.

Restore goes into the MINQING_HOME / MINQING_DATABASE_URL of the process (same engine as the backup): it
refuses a database with any table, a media folder with files, or a different audit key, unless --force;
then puts the database, the files and the key in place, migrates, and checks the counts against the
manifest. Cross-engine restore (SQLite ↔ PostgreSQL) is not supported."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import OperationalError, connection, connections
from django.utils import timezone

from .. import __version__
from ..errors import DomainError
from ..ledger import seal

FORMAT, VERSION = "minqing-backup", 1
MANIFEST, KEY, MEDIA = "manifest.json", "audit_key", "media"
DATABASE = {"sqlite": "database/minqing.sqlite3", "postgresql": "database/minqing.pgdump"}


def tables() -> dict[str, str]:
    """What the manifest counts: name → table."""
    from ..consult.models import Vote
    from ..ledger.models import Attachment, Case, CaseEvent, Voice

    return {name: model._meta.db_table for name, model in
            (("cases", Case), ("events", CaseEvent), ("voices", Voice), ("votes", Vote), ("attachments", Attachment))}


def _count(execute) -> tuple[dict, dict]:
    """Counts and the last applied migration per app, through `execute(sql) -> rows`."""
    counts = {name: execute(f"SELECT count(*) FROM {table}")[0][0] for name, table in tables().items()}
    migrations = dict(execute("SELECT app, max(name) FROM django_migrations GROUP BY app"))
    return counts, migrations


def _media_files() -> list[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted((p, p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _pg_env() -> dict:
    s = connection.settings_dict
    env = dict(os.environ)
    for var, value in (("PGHOST", s["HOST"]), ("PGPORT", s["PORT"]), ("PGUSER", s["USER"]),
                       ("PGPASSWORD", s["PASSWORD"]), ("PGDATABASE", s["NAME"])):
        if value:
            env[var] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DomainError(f"找不到 {name}：请安装 PostgreSQL 客户端（主版本不低于服务器）")
    return path


def _run(argv: list[str], env: dict) -> None:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DomainError(f"{Path(argv[0]).name} 失败（退出码 {proc.returncode}）：{proc.stderr.strip()[-800:]}")


# ------------------------------------------------------------------------------------------- backup
def _copy_sqlite(dest: Path) -> tuple[dict, dict]:
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)  # one snapshot; writers in WAL mode go on meanwhile
        return _count(lambda sql: target.execute(sql).fetchall())
    finally:
        target.close()


def _dump_postgresql(dest: Path) -> tuple[dict, dict]:
    import psycopg

    s = connection.settings_dict
    params = {k: v for k, v in (("dbname", s["NAME"]), ("user", s["USER"]), ("password", s["PASSWORD"]),
                                ("host", s["HOST"]), ("port", s["PORT"])) if v}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counted = _count(lambda sql: conn.execute(sql).fetchall())
        _run([_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(dest)],
             _pg_env())
        conn.execute("COMMIT")
    return counted


def backup(path, *, with_key: bool = True, log=print) -> dict:
    """Write the backup to `path`; returns its manifest."""
    path = Path(path).resolve()
    vendor = connection.vendor
    if vendor not in DATABASE:
        raise DomainError(f"不支持备份 {vendor} 数据库")
    try:
        k = seal.key()
    except seal.KeyMissing:
        k = None
        log("注意：审计密钥不存在，备份中不含密钥")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".minqing-backup-") as tmp:
        db_file = Path(tmp) / PurePosixPath(DATABASE[vendor]).name
        counts, migrations = (_copy_sqlite if vendor == "sqlite" else _dump_postgresql)(db_file)
        files = _media_files()
        manifest = {
            "format": FORMAT, "version": VERSION, "minqing": __version__,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "database": {"engine": vendor, "member": DATABASE[vendor], "bytes": db_file.stat().st_size,
                         "migrations": migrations},
            "counts": counts,
            "media": {"files": len(files), "bytes": sum(p.stat().st_size for p, _ in files)},
            "audit_key": {"included": bool(k and with_key), "source": seal.key_source(),
                          "fingerprint": seal.fingerprint(k) if k else None},
        }
        part = path.with_name(path.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            tar.add(db_file, arcname=DATABASE[vendor], recursive=False)
            for p, rel in files:
                tar.add(p, arcname=f"{MEDIA}/{rel}", recursive=False)
            if manifest["audit_key"]["included"]:
                _add_bytes(tar, KEY, k + b"\n")
        os.replace(part, path)
    log(f"backup written to {path}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f", {len(files)} files" + (", audit key included" if manifest["audit_key"]["included"] else ", no audit key"))
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


# ------------------------------------------------------------------------------------------ restore
def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError):
        raise DomainError("不是 minqing 备份文件：缺少 manifest.json") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("version"), int):
        raise DomainError("不是 minqing 备份文件：manifest.json 格式不符")
    if manifest["version"] > VERSION:
        raise DomainError(f"备份格式版本 {manifest['version']} 比本程序支持的 {VERSION} 新：请先升级 minqing")
    return manifest


def _safe_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for m in tar.getmembers():
        parts = PurePosixPath(m.name).parts
        if m.name.startswith("/") or ".." in parts or not (m.isfile() or m.isdir()):
            raise DomainError(f"备份文件中有不安全的条目：{m.name}")
        if m.isfile():
            members[m.name] = m
    return members


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tar.extractfile(member) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)


def obstacles(manifest: dict) -> list[str]:
    """Why the target is not empty (restore refuses without --force)."""
    out = []
    names = connection.introspection.table_names()
    if names:
        from ..ledger.models import Case

        cases = Case.objects.count() if Case._meta.db_table in names else 0
        out.append(f"数据库已有 {len(names)} 张表（{cases} 件工单）")
    files = _media_files()
    if files:
        out.append(f"附件目录 {settings.MEDIA_ROOT} 已有 {len(files)} 个文件")
    wanted = manifest["audit_key"].get("fingerprint")
    if wanted and seal.key_source() == "file" and seal.key_path().exists():
        if seal.fingerprint(seal.key_path().read_bytes().strip()) != wanted:
            out.append(f"审计密钥 {seal.key_path()} 与备份中的不同（旧密钥会改名保留）")
    return out


def restore(path, *, force: bool = False, migrate=None, log=print) -> dict:
    """Restore `path` into this process's home and database; returns the counts after migrating."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(f"备份文件不存在：{path}")
    with tarfile.open(path, "r:*") as tar:
        manifest = read_manifest(tar)
        members = _safe_members(tar)
        vendor, engine = connection.vendor, manifest["database"]["engine"]
        if vendor != engine:
            raise DomainError(f"备份来自 {engine} 数据库，目标是 {vendor}：不支持跨数据库恢复")
        wanted = manifest["audit_key"].get("fingerprint")
        if wanted and seal.key_source() == "env" and seal.fingerprint(seal.key()) != wanted:
            raise DomainError(f"环境变量 {seal.KEY_ENV} 与备份的审计密钥不同：恢复后历史将无法验证。请改用备份时的密钥")
        try:
            found = obstacles(manifest)
        except OperationalError as e:
            raise DomainError(f"无法连接目标数据库（请先创建它）：{str(e).strip()[:300]}") from None
        if found and not force:
            raise DomainError("目标不为空：" + "；".join(found) + "。确认覆盖请加 --force")
        home = Path(settings.HOME)
        with tempfile.TemporaryDirectory(dir=home, prefix=".minqing-restore-") as tmp:
            db_file = Path(tmp) / "database"
            _extract(tar, members[manifest["database"]["member"]], db_file)
            if vendor == "sqlite":
                _replace_sqlite(db_file)
            else:
                _restore_postgresql(db_file, clear=force)
        media = Path(settings.MEDIA_ROOT).resolve()
        restored_files = 0
        for name, member in members.items():
            if name.startswith(MEDIA + "/"):
                dest = (media / name[len(MEDIA) + 1:]).resolve()
                if not dest.is_relative_to(media):
                    raise DomainError(f"备份文件中有不安全的条目：{name}")
                _extract(tar, member, dest)
                restored_files += 1
        if KEY in members and seal.key_source() == "file":
            seal.write_key(tar.extractfile(members[KEY]).read())
        elif not manifest["audit_key"]["included"]:
            log(f"注意：备份中没有审计密钥：请把原密钥放到 {seal.key_path()} 或设置 {seal.KEY_ENV}，否则无法验证历史")
    seal.forget_key()
    if migrate is not None:
        migrate()
    return _check_counts(manifest, restored_files, log)


def _replace_sqlite(db_file: Path) -> None:
    target = Path(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    for extra in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        extra.unlink(missing_ok=True)
    os.replace(db_file, target)


def _restore_postgresql(db_file: Path, clear: bool) -> None:
    if clear:  # --force: what the target had goes (every table of its schema), then the backup comes in
        with connection.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            names = [r[0] for r in cur.fetchall()]
            if names:
                cur.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(n) for n in names) + " CASCADE")
    connections.close_all()
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "-d", connection.settings_dict["NAME"], str(db_file)], _pg_env())


def _check_counts(manifest: dict, restored_files: int, log) -> dict:
    counts, _ = _count(lambda sql: _fetch(sql))
    counts["files"] = restored_files
    expected = dict(manifest["counts"], files=manifest["media"]["files"])
    wrong = {k: (expected[k], counts.get(k)) for k in expected if counts.get(k) != expected[k]}
    if wrong:
        raise DomainError("恢复后的数量与备份清单不符：" + "，".join(f"{k} 应为 {a}，实为 {b}" for k, (a, b) in wrong.items()))
    log("restored: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + f" (backup of {manifest['created_at']})")
    return counts


def _fetch(sql: str) -> list:
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()
