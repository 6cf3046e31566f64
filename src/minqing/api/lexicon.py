"""The county's lexicon for its administrator (issue 16; org/lexicon.py): the words the segmenter keeps
whole — unit names, words discovered in the ledger's text, words added by hand — to review, reject or add.
The same table is at /admin/org/lexiconword/."""

from typing import Any

from ninja import Schema

from ..errors import Forbidden
from ..org.lexicon import as_dict, save_word
from ..org.models import LexiconWord, Role
from .main import STAFF_OR_TOKEN, api
from .openapi import answers, one_of

PAGE = 100


class WordIn(Schema):
    word: str
    status: str | None = one_of(LexiconWord.Status.values, None)
    place: bool | None = None


def _admin_only(user) -> None:
    if getattr(user, "role", None) != Role.ADMIN:
        raise Forbidden("只有管理员可以查看和修改词库")


@api.get("/lexicon", auth=STAFF_OR_TOKEN, response=dict[str, Any], tags=["text"], openapi_extra=answers(403),
         summary="本县词库（单位名称、自动发现的新词、管理员添加的词），供管理员审核")
def list_lexicon(request, q: str = "", status: str = "", source: str = "", page: int = 1):
    _admin_only(request.auth)
    qs = LexiconWord.objects.all()
    if q:
        qs = qs.filter(word__contains=q.strip()[:40])
    if status in LexiconWord.Status.values:
        qs = qs.filter(status=status)
    if source in LexiconWord.Source.values:
        qs = qs.filter(source=source)
    page = min(max(1, page), 100000)
    count = qs.count()
    items = [as_dict(w) for w in qs[(page - 1) * PAGE:page * PAGE]]
    return {"items": items, "count": count, "page": page, "pages": max(1, -(-count // PAGE))}


@api.post("/lexicon", auth=STAFF_OR_TOKEN, response=dict[str, Any], tags=["text"], openapi_extra=answers(400, 403),
          summary="添加或修改词库中的词（启用/不用、是否地名）；含该词的工单随即重新分词")
def post_lexicon(request, payload: WordIn):
    from ..insight.vocabulary import reindex_pending

    _admin_only(request.auth)
    word = save_word(payload.word, status=payload.status, place=payload.place, user=request.auth)
    reindexed = reindex_pending()
    word.refresh_from_db()
    return {**as_dict(word), "reindexed": reindexed}
