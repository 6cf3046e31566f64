"""The operator's subcommands of `minqing` (cli.py adds them with `add_commands`):

    minqing migrate                      prepare the database, once for a cluster of nodes (docs/deploy.md)
    minqing audit verify                 recompute every case's sealed history; exit 0 and last line
                                         `ok: N events`, else exit 1 and a last line naming the first
                                         broken event (case number, position in its history)
    minqing backup FILE [--no-key]       database + uploaded files + audit key, one file
    minqing restore FILE [--force]       into MINQING_HOME / MINQING_DATABASE_URL; refuses a non-empty target

Only argparse here at import time: `minqing --help` stays fast."""

import os
import sys


def add_commands(sub, setup, migrate) -> None:
    """`setup` and `migrate` are the CLI's (cli.py): Django set up, the database migrated."""
    sub.add_parser("migrate", help="prepare the database (once for a cluster of nodes: docs/deploy.md)") \
        .set_defaults(fn=lambda args: cmd_migrate(args, setup, migrate))
    audit = sub.add_parser("audit", help="the tamper-evident history").add_subparsers(dest="audit_cmd", required=True)
    verify = audit.add_parser("verify", help="recompute every case's chain of seals; name the first broken event")
    verify.add_argument("--show", type=int, default=20, help="broken cases listed (default 20)")
    verify.add_argument("--jobs", type=int, default=None, help="processes, each streaming a range of cases "
                        "(default: the CPUs, at most 8; one for a small ledger)")
    verify.set_defaults(fn=lambda args: cmd_verify(args, setup))

    b = sub.add_parser("backup", help="one file: the database, the uploaded files, the audit key, a manifest")
    b.add_argument("file")
    b.add_argument("--no-key", action="store_true", help="leave the audit key out (keep it safe elsewhere)")
    b.set_defaults(fn=lambda args: cmd_backup(args, setup))

    r = sub.add_parser("restore", help="restore a backup into MINQING_HOME / MINQING_DATABASE_URL")
    r.add_argument("file")
    r.add_argument("--force", action="store_true", help="overwrite a database / media folder that is not empty")
    r.set_defaults(fn=lambda args: cmd_restore(args, setup, migrate))


def cmd_migrate(args, setup, migrate) -> None:
    """Prepare a (shared) database once (cli.migrate holds a cluster-wide lock: ops/cluster.py), publish the
    cluster's category model (ledger/model_sync.py), and check this node's audit key against the ledger."""
    setup()
    migrate(quiet=False)
    from ..ledger.model_sync import ensure_published
    from .cluster import check_node, exclusive

    with exclusive("model"):
        print(f"category model: {ensure_published()}")
    check_node()
    print("database ready")


def cmd_verify(args, setup) -> None:
    setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from ..errors import DomainError
    from ..ledger.audit import report_lines, verify

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise DomainError("数据库尚未升级到当前版本：请先运行 minqing manage migrate（或 minqing up）")
    result = verify(limit=max(args.show, 1), jobs=args.jobs or min(os.cpu_count() or 1, 8))
    for line in report_lines(result, shown=args.show):
        print(line)
    if not result.ok:
        sys.exit(1)


def cmd_backup(args, setup) -> None:
    setup()
    from .backup import backup

    backup(args.file, with_key=not args.no_key)


def cmd_restore(args, setup, migrate) -> None:
    setup()
    from .backup import restore

    restore(args.file, force=args.force, migrate=migrate)
