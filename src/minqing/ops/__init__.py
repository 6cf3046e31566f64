"""Operating an installation, above the apps: backup and restore (backup.py), and the `minqing` subcommands
for them and for the audit of the sealed history (commands.py; the seals themselves are the ledger's,
ledger/seal.py and ledger/audit.py)."""
