"""The `minqing` command. Every subcommand calls the same services as the web UI and the API.

    minqing up [--port N]        create/upgrade the database, load the demo if empty, serve + worker (a child
                                 that dies is restarted with back-off: ops/supervise.py)
    minqing serve [--port N]     the web server only (gunicorn)
    minqing worker               the background worker only
    minqing migrate              prepare the database, once for a cluster of nodes (ops/cluster.py; docs/deploy.md)
    minqing demo                 load the demo county into an empty database (once, whichever node runs it)
    minqing unit list [--json] | unit add CODE NAME --level LEVEL --parent CODE
    minqing user create USERNAME --unit CODE --role ROLE --password PW
    minqing import ledger FILE.xlsx [--mapping NAME]
    minqing export ledger FILE.xlsx [--status S] [--unit CODE] [--category C] [--channel C] [--q TEXT] ...
    minqing text evaluate --train FILE.xlsx --test FILE.xlsx | text train
    minqing consult import FOLDER --unit CODE [--title T]   a Pol.is open-data export as a consultation
    minqing insight scan         run the early-warning detectors now (the worker does it hourly)
    minqing insight rebuild      recompute the stored hotspots of the county and every township
    minqing audit verify         recompute the sealed history of every case (ops/commands.py)
    minqing backup FILE | restore FILE [--force]   database, uploaded files and audit key in one file
    minqing open311 key create NAME | key revoke NAME | key list   Open311 clients' API keys (open311/commands.py)
    minqing manage ...           any Django management command
"""

import argparse
import json
import os
import sys

from .errors import DomainError
from .ops.supervise import Child, supervise


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()


def migrate(quiet=True):
    """Prepare the database; under a cluster-wide lock, so nodes started together do it once (ops/cluster.py)."""
    from django.core.management import call_command

    from .ops.cluster import exclusive

    with exclusive("migrate"):
        call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
        call_command("createcachetable", verbosity=0)  # the abuse-limit counters without Redis (settings.CACHES)
        from .ledger.reference import ensure_reference_data

        ensure_reference_data()


def ensure_model(out=print) -> None:
    """The category model is trained once per installation (first start) from the shipped data, and
    published for the other nodes of a cluster (ledger/model_sync.py)."""
    from .ledger.model_sync import ensure_published
    from .ops.cluster import exclusive

    with exclusive("model"):
        ensure_published(out)


def cmd_up(args):
    setup()
    migrate()
    ensure_model()
    from .demo import DEMO_USERS
    from .ops.cluster import check_node
    from .ops.fonts import warn_fonts

    loaded = _demo_once()
    check_node()
    warn_fonts()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    port = args.port
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '') else args.host}:{port}/"
    print(f"minqing 民情 is running at {url}")
    print("demo loaded" if loaded else "database already has data (demo not reloaded)")
    print(f"demo logins (password for all: {DEMO_USERS[0][3]}):")
    for username, role, unit, _pw, label in DEMO_USERS:
        print(f"  {username:<14} {role:<11} {unit:<8} {label}")
    print("citizens: open the URL without logging in; API docs at " + url + "api/docs")
    sys.stdout.flush()
    supervise([_server(port, args.host), _worker()])


def _server(port, host="127.0.0.1"):
    return Child("web server", lambda: [
        sys.executable, "-m", "gunicorn", "minqing.wsgi:application", "--bind", f"{host}:{port}",
        "--workers", str(int(os.environ.get("MINQING_WEB_WORKERS", "2"))), "--threads", "4",
        "--timeout", "120", "--keep-alive", str(int(os.environ.get("MINQING_KEEP_ALIVE", "5"))),
        "--access-logfile", "-", "--log-level", "warning"])


def _worker():
    return Child("task worker", lambda: [sys.executable, "-m", "minqing.cli", "worker"])


def cmd_serve(args):
    setup()
    migrate()
    from .ops.cluster import check_node

    check_node()  # this node's audit key is the ledger's (a cluster: docs/deploy.md)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    supervise([_server(args.port, args.host)])


def cmd_worker(args):
    """The task worker (django-tasks' db_worker, a child process) plus the periodic scheduler. When
    db_worker dies, the tasks it was running go back to the queue before it is started again."""
    setup()
    import threading

    from .ops.cluster import check_node

    check_node()
    from .worker import recovery
    from .worker.scheduler import loop

    ids = []

    def argv():
        ids.append(recovery.new_worker_id())
        return [sys.executable, "-m", "minqing.cli", "manage", "db_worker", "--interval", "2", "--worker-id", ids[-1]]

    stop = threading.Event()
    thread = threading.Thread(target=loop, args=(stop,), daemon=True)
    thread.start()
    try:
        supervise([Child("task runner (db_worker)", argv, on_exit=lambda child, code: recovery.after_death(ids[-1]))])
    finally:
        stop.set()


def _demo_once() -> bool:
    """The demo into an empty database, once whichever node asks (ops/cluster.py's lock around the check)."""
    from .demo import load_demo_if_empty
    from .ops.cluster import exclusive

    with exclusive("demo"):
        return load_demo_if_empty()


def cmd_demo(args):
    setup()
    migrate()
    print("demo loaded" if _demo_once() else "database is not empty: demo not loaded")


def cmd_unit(args):
    setup()
    migrate()
    from .org.services import unit_rows

    if args.unit_cmd == "list":
        rows = unit_rows()
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for r in rows:
                print(f"{r['code']:<14} {r['level']:<10} {r['parent'] or '-':<14} {r['name']}")
    else:
        from .org.services import add_unit

        u = add_unit(args.code, args.name, args.level, args.parent)
        print(f"added {u.code} {u.name} ({u.level})")


def cmd_user(args):
    setup()
    migrate()
    from .org.services import create_user

    u = create_user(args.username, args.password, args.role, args.unit, args.name or "")
    print(f"created {u.username} ({u.role}) in {u.unit.code if u.unit else '-'}")


def cmd_import(args):
    setup()
    migrate()
    from .ops.importing import import_ledger_command

    import_ledger_command(args.file, args.mapping, args.unit, args.index_now)


def cmd_export(args):
    setup()
    migrate()
    from .intake.excel import export_ledger
    from .ledger.queries import FILTERS, apply_filters
    from .org.models import Role, User

    user = User.objects.filter(username=args.as_user).first() if args.as_user else None
    if args.as_user and user is None:
        raise DomainError(f"用户“{args.as_user}”不存在")
    if user is None:
        user = User(username="cli", role=Role.ADMIN)  # unit-less admin: the whole county
    from .ledger.permissions import cases_visible_to

    qs = apply_filters(cases_visible_to(user), {k: getattr(args, k, None) or "" for k in FILTERS})
    n = export_ledger(qs, args.file)
    print(f"exported {n} cases to {args.file}")


def cmd_text(args):
    setup()
    if args.text_cmd == "evaluate":
        from .text.evaluate import evaluate_files

        evaluate_files(args.train, args.test, print)
    elif args.text_cmd == "lexicon":  # what the worker does daily (insight/vocabulary.py)
        from .insight.vocabulary import refresh_lexicon

        migrate()
        print(refresh_lexicon())
    elif args.text_cmd == "rescore-replies":  # after an upgrade changes the reply assessment (docs/replies.md)
        from .ledger.reply_quality import rescore

        print(f"{rescore(print)} replies scored again")
    else:
        from .ledger.training import train_from_ledger

        migrate()
        train_from_ledger(print)


def cmd_simulate(args):
    """Replay a month of voices through time with the fake clock (simulate/)."""
    setup()
    migrate()
    import datetime as dt

    from django.utils import timezone

    from .ledger.models import Case
    from .simulate import simulate

    if Case.objects.exists() and not args.force:
        raise DomainError(f"数据库中已有 {Case.objects.count()} 件工单：模拟会在其上追加一个月的工单、督办和通知。"
                          "请使用空数据库（MINQING_HOME 指向新目录），或加 --force 确认追加")
    try:
        start = timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(args.start), dt.time())) \
            if args.start else None
    except ValueError:
        raise DomainError(f"--start 应为 YYYY-MM-DD：{args.start}") from None
    simulate(days=args.days, seed=args.seed, per_day=args.per_day, start=start)


def cmd_consult(args):
    """Import a finished consultation from a Pol.is open-data folder (comments.csv, votes.csv)."""
    setup()
    migrate()
    from .consult.imports import import_consultation, read_polis
    from .consult.results import results
    from .org.models import Unit

    unit = Unit.objects.filter(code=args.unit).first()
    if unit is None:
        raise DomainError(f"单位“{args.unit}”不存在")
    c = import_consultation(read_polis(args.folder), unit, title=args.title or "")
    r = results(c)
    print(f"imported consultation {c.id}: {r['statements']} statements, {r['participants']} participants, "
          f"{r['votes']} votes, {len(r['groups'])} opinion groups ({', '.join(str(g['size']) for g in r['groups'])})")


def cmd_insight(args):
    """Run the early-warning scan now (the worker runs it every hour)."""
    setup()
    migrate()
    from .insight import warnings

    if args.insight_cmd == "rebuild":
        from .insight.dashboard import refresh_hotspots

        print(f"hotspots recomputed for {refresh_hotspots()} areas")
        return
    result = warnings.scan()
    print(f"warnings: {result['found']} events found, new: {result['raised'] or 'none'}")


def cmd_manage(args):
    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minqing manage", *args.rest])


def parser():
    p = argparse.ArgumentParser(prog="minqing", description="民情 minqing — 基层民情台账系统")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn in (("up", cmd_up), ("serve", cmd_serve)):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, default=8000)
        s.add_argument("--host", default="127.0.0.1")
        s.set_defaults(fn=fn)
    sub.add_parser("worker").set_defaults(fn=cmd_worker)
    sub.add_parser("demo").set_defaults(fn=cmd_demo)
    insight = sub.add_parser("insight").add_subparsers(dest="insight_cmd", required=True)
    insight.add_parser("scan", help="run the early-warning detectors now").set_defaults(fn=cmd_insight)
    insight.add_parser("rebuild", help="recompute the stored hotspots of every area now").set_defaults(fn=cmd_insight)
    consult = sub.add_parser("consult").add_subparsers(dest="consult_cmd", required=True)
    ci = consult.add_parser("import", help="import a Pol.is open-data export (folder with comments.csv, votes.csv)")
    ci.add_argument("folder")
    ci.add_argument("--unit", required=True)
    ci.add_argument("--title")
    ci.set_defaults(fn=cmd_consult)

    unit = sub.add_parser("unit").add_subparsers(dest="unit_cmd", required=True)
    ul = unit.add_parser("list")
    ul.add_argument("--json", action="store_true")
    ua = unit.add_parser("add")
    ua.add_argument("code")
    ua.add_argument("name")
    ua.add_argument("--level", required=True)
    ua.add_argument("--parent")
    for s in (ul, ua):
        s.set_defaults(fn=cmd_unit)

    user = sub.add_parser("user").add_subparsers(dest="user_cmd", required=True)
    uc = user.add_parser("create")
    uc.add_argument("username")
    uc.add_argument("--unit")
    uc.add_argument("--role", required=True)
    uc.add_argument("--password", required=True)
    uc.add_argument("--name")
    uc.set_defaults(fn=cmd_user)

    imp = sub.add_parser("import").add_subparsers(dest="what", required=True)
    il = imp.add_parser("ledger")
    il.add_argument("file")
    il.add_argument("--mapping")
    il.add_argument("--unit", help="unit code for rows without a place column (default: the county)")
    il.add_argument("--index-now", action="store_true", help="do the text work (search index, keywords) here "
                    "instead of leaving it to the worker")
    il.set_defaults(fn=cmd_import)

    exp = sub.add_parser("export").add_subparsers(dest="what", required=True)
    el = exp.add_parser("ledger")
    el.add_argument("file")
    for f in ("status", "unit", "category", "channel", "overdue", "q", "since", "until", "reply_quality"):
        el.add_argument(f"--{f.replace('_', '-')}", dest=f)  # the case list's filters (ledger/queries.FILTERS)
    el.add_argument("--as-user", help="export only what this user may see")
    el.set_defaults(fn=cmd_export)

    text = sub.add_parser("text").add_subparsers(dest="text_cmd", required=True)
    te = text.add_parser("evaluate")
    te.add_argument("--train", required=True)
    te.add_argument("--test", required=True)
    te.set_defaults(fn=cmd_text)
    text.add_parser("train").set_defaults(fn=cmd_text)
    text.add_parser("lexicon", help="discover new words in the ledger now and re-index the cases holding them") \
        .set_defaults(fn=cmd_text)
    text.add_parser("rescore-replies", help="score every sent reply again (after an upgrade)").set_defaults(fn=cmd_text)

    sim = sub.add_parser("simulate", help="replay a simulated month (voices, escalations, extensions, rates)")
    sim.add_argument("--days", type=int, default=30)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--per-day", type=int, default=40)
    sim.add_argument("--start", help="first day YYYY-MM-DD (default: DAYS days ago)")
    sim.add_argument("--force", action="store_true", help="run even if the database already has cases")
    sim.set_defaults(fn=cmd_simulate)

    from .ops.commands import add_commands

    add_commands(sub, setup, migrate)  # migrate, audit verify, backup, restore
    from .open311.commands import add_commands as add_open311

    add_open311(sub, setup, migrate)  # open311 key create|revoke|list
    m = sub.add_parser("manage")
    m.add_argument("rest", nargs=argparse.REMAINDER)
    m.set_defaults(fn=cmd_manage)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.fn(args)
    except DomainError as e:
        print(f"错误：{e.message}", file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as e:
        print(f"错误：文件不存在：{e.filename}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
