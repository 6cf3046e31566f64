"""Many new rows of one model in few statements: `bulk_create`, less its cost.

`bulk_create` compiles every value of every row through the field API and, on SQLite, cuts its
statements at 999 values (22 cases a statement): in a bulk import (intake/bulk.py) two thirds of the
time went there. `insert_objects` does what `bulk_create` does on SQLite ≥ 3.35 and PostgreSQL — one
multi-row INSERT … RETURNING id per batch, the ids in the rows' order, set on the objects — with each
column's conversion decided once per model and batches as large as the database takes. Like
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
    """INSERT new model objects (all of one model) in as few statements as the database takes, and give
    each its id: what `bulk_create` does on SQLite ≥ 3.35 and PostgreSQL (one multi-row INSERT …
    RETURNING id, the ids in the rows' order), without the per-value field machinery. Elsewhere, or for
    a model with a default set by the database, it is `bulk_create` itself."""
    if not objs:
        return
    model = type(objs[0])
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs, batch_size=500)
        return
    columns, convert = _converters(model)
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:  # an object assigned before it was saved: its id now (bulk_create's _prepare_related_fields…)
        for f in relations:
            if obj.__dict__.get(f.attname) is None and f.is_cached(obj):
                related = f.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"insert_objects: {model.__name__}.{f.name} is not saved yet")
                    setattr(obj, f.attname, related.pk)
    attnames = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    per = max(1, min(1000, _params_limit() // len(columns)))
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    pairs = list(zip(attnames, convert, strict=True))
    with connection.cursor() as cur:
        for start in range(0, len(objs), per):
            part = objs[start:start + per]
            params = []
            for obj in part:
                values = obj.__dict__
                params += [values[a] if c is None else c(values[a]) for a, c in pairs]
            cur.execute(head + ", ".join([row] * len(part)) + f" RETURNING {qn(model._meta.pk.column)}", params)
            for obj, (pk,) in zip(part, cur.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias




def instance(model, attrs: dict):
    """A new (unsaved) object from column values by attribute name, the rest at their defaults — what
    `model(**attrs)` gives, built the way Django builds a row it reads (positional values: no descriptor,
    no keyword matching), several times quicker for a wide model in a bulk write."""
    fields = _defaults.get(model)
    if fields is None:
        fields = _defaults[model] = [(f.attname, f.get_default) for f in model._meta.concrete_fields]
    return model(*[attrs[a] if a in attrs else default() for a, default in fields])


_defaults: dict = {}
