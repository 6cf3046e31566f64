"""`minqing open311 …` (cli.py adds it with `add_commands`):

    minqing open311 key create NAME [--contact C] [--rate 600/h]   issue a key for the client NAME; the key
                                                                   is printed on the last line, this once
    minqing open311 key revoke NAME                                revoke NAME's key at once
    minqing open311 key list                                       the clients, their keys' first characters

Only argparse here at import time: `minqing --help` stays fast."""


def add_commands(sub, setup, migrate) -> None:
    o = sub.add_parser("open311", help="Open311 GeoReport v2 clients' API keys (docs/open311.md)")
    key = o.add_subparsers(dest="open311_cmd", required=True).add_parser("key", help="issue, revoke, list keys")
    kc = key.add_subparsers(dest="key_cmd", required=True)
    create = kc.add_parser("create", help="issue a key for one client; its last line is the key")
    create.add_argument("name")
    create.add_argument("--contact", default="")
    create.add_argument("--rate", default="", help="this client's own limit, count/period (e.g. 600/h)")
    revoke = kc.add_parser("revoke", help="revoke a client's key")
    revoke.add_argument("name")
    listing = kc.add_parser("list", help="the clients and their keys")
    for p in (create, revoke, listing):
        p.set_defaults(fn=lambda args: cmd_key(args, setup, migrate))


def cmd_key(args, setup, migrate) -> None:
    setup()
    migrate()
    from . import keys
    from .models import ApiKey

    if args.key_cmd == "create":
        row, raw = keys.issue(args.name, args.contact, args.rate)
        print(f"issued an Open311 API key for {row.name} (shown this once; only its hash is stored):")
        print(raw)
    elif args.key_cmd == "revoke":
        row = keys.revoke(args.name)
        print(f"revoked the Open311 API key of {row.name}")
    else:
        for row in ApiKey.objects.all():
            state = "active" if row.active else f"revoked {row.revoked_at:%Y-%m-%d}"
            print(f"{row.name}\t{row.prefix}…\t{state}\t{row.rate or 'default rate'}")
