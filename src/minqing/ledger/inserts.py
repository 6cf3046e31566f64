"""Many new rows of one model in few statements: `bulk_create`, less its cost.

`bulk_create` compiles every value of every row through the field API and, on SQLite, cuts its
statements at 999 values (22 cases a statement): in a bulk import (intake/bulk.py) two thirds of the
time went there. `insert_objects` writes the rows with each column's conversion decided once per model:
by COPY on PostgreSQL (the ids taken from the sequence first), by multi-row INSERT … RETURNING id on
SQLite, in batches as large as the database takes. Like
`bulk_create` it calls no save() and sends no signal: the caller decides what must still happen
(ledger/seal.py seals events before they come here)."""

from __future__ import annotations

from django.db import connection, models

_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.FloatField, models.BooleanField,
          models.ForeignKey)


def _converters(model) -> tuple[list[str], list]:
    """The model's columns (all but the id) and, per column, what turns its attribute into a database value
    (None: passed as it is — text, numbers, booleans and ids need nothing on either database)."""
    ops, columns, convert = connection.ops, [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if isinstance(f, models.DateTimeField):
            convert.append(ops.adapt_datetimefield_value)
        elif isinstance(f, _PLAIN):
            convert.append(None)
        else:
            convert.append(lambda v, f=f: f.get_db_prep_save(v, connection))
    return columns, convert


def _params_limit() -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11
            return 999
    return 65535  # PostgreSQL's wire protocol


def insert_objects(objs: list) -> None:
    """Write new model objects (all of one model) in as few statements as the database takes, and give
    each its id. PostgreSQL: the ids not reserved yet are taken from the table's sequence (`reserve_ids`)
    and the rows sent by COPY — a multi-row INSERT of thousands of values spent more time in the driver,
    finding its placeholders, than in the server. SQLite ≥ 3.35: multi-row INSERT … RETURNING id (what
    `bulk_create` does, without the per-value field machinery), or with the reserved ids. Elsewhere,
    `bulk_create` itself."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor not in ("postgresql", "sqlite") or not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs, batch_size=500)
        return
    _link_related(model, objs)
    columns, convert = _converters(model)
    attnames = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor == "postgresql":
        reserve_ids([obj for obj in objs if obj.pk is None])
    pk = model._meta.pk
    given = all(obj.pk is not None for obj in objs)  # ids reserved beforehand: written as they are
    if given:
        columns, convert, attnames = [pk.column, *columns], [None, *convert], [pk.attname, *attnames]
    pairs = list(zip(attnames, convert, strict=True))

    def values(obj) -> list:
        d = obj.__dict__
        return [d[a] if c is None else c(d[a]) for a, c in pairs]

    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(values(obj))
        else:
            per = max(1, min(1000, _params_limit() // len(columns)))
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            tail = "" if given else f" RETURNING {qn(pk.column)}"
            for start in range(0, len(objs), per):
                part = objs[start:start + per]
                cur.execute(f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row] * len(part)) + tail,
                            [v for obj in part for v in values(obj)])
                if not given:
                    for obj, (new_id,) in zip(part, cur.fetchall(), strict=True):
                        obj.pk = new_id
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _link_related(model, objs: list) -> None:
    """An object assigned before it was saved: its id now (as bulk_create's _prepare_related_fields…)."""
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:
        for f in relations:
            if obj.__dict__.get(f.attname) is None and f.is_cached(obj):
                related = f.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"insert_objects: {model.__name__}.{f.name} is not saved yet")
                    setattr(obj, f.attname, related.pk)


def reserve_ids(objs: list) -> None:
    """Give new objects (all of one model) the ids the database would give them, before they are written:
    from the table's sequence on PostgreSQL (`nextval`, safe beside other writers); on SQLite above the
    highest id ever given (AUTOINCREMENT's `sqlite_sequence`), which no other writer can take while this
    transaction holds the write lock — so it must be inside one that has written (transaction_mode
    IMMEDIATE takes the lock at BEGIN). A case sealed before it is written needs its id (ledger/seal.py)."""
    if not objs:
        return
    model = type(objs[0])
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                        [table, column, len(objs)])
            ids = [r[0] for r in cur.fetchall()]
        elif connection.vendor == "sqlite":
            if not connection.in_atomic_block:
                raise RuntimeError("reserve_ids: only inside a transaction (the ids are the writer's until it ends)")
            qn = connection.ops.quote_name
            cur.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                        f"coalesce((SELECT max({qn(column)}) FROM {qn(table)}), 0))", [table])
            top = cur.fetchone()[0]
            ids = list(range(top + 1, top + 1 + len(objs)))
        else:
            raise NotImplementedError(f"reserve_ids: {connection.vendor}")
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id




def instance(model, attrs: dict):
    """A new (unsaved) object from column values by attribute name, the rest at their defaults — what
    `model(**attrs)` gives, built the way Django builds a row it reads (positional values: no descriptor,
    no keyword matching), several times quicker for a wide model in a bulk write."""
    fields = _defaults.get(model)
    if fields is None:
        fields = _defaults[model] = [(f.attname, f.get_default) for f in model._meta.concrete_fields]
    return model(*[attrs[a] if a in attrs else default() for a, default in fields])


_defaults: dict = {}
