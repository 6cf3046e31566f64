"""minqing (民情): one ledger for every voice of a county's people, from intake to closure."""

__version__ = "0.1.0"
