"""The text a generated ledger is made of: real citizens' messages (the shared TipDM files, else the
demo sample), normalised and segmented once into sentences with their search tokens (`load_pool`,
cached in the data folder), which the rows recombine, so that the search index holds real Chinese
word distributions. Also the `Babbler`, which makes new texts word by word from them (for a
background in which no complaint recurs), and `pool_topics`, each message's category as the shipped
model reads it (World.topics)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .distributions import GENERATOR_VERSION

SHARED_DATA = Path(os.environ.get("MINQING_SHARED_DATA") or Path(__file__).resolve().parents[5] / "shared" / "data")
TIPDM = SHARED_DATA / "tipdm2020c"
VOTES_FILE = TIPDM / "messages_with_votes.xlsx"
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")


@dataclass
class PoolItem:
    title: str
    title_tokens: list[str]
    sentences: list[tuple[str, list[str]]]  # (normalised sentence, its search tokens)


def _source_messages(limit: int) -> list[tuple[str, str]]:
    """(title, text) of real messages: the TipDM files if present, else the demo sample."""
    out: list[tuple[str, str]] = []
    files = sorted(p for p in TIPDM.glob("*.xlsx") if p.name != "taxonomy.xlsx") if TIPDM.is_dir() else []
    if files:
        from python_calamine import CalamineWorkbook

        for path in files:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            if not rows:
                continue
            header = [str(h).strip() for h in rows[0]]
            if "留言详情" not in header:
                continue
            ti, xi = header.index("留言主题") if "留言主题" in header else None, header.index("留言详情")
            for row in rows[1:]:
                text = str(row[xi] or "").strip()
                if len(text) >= 10:
                    out.append((str(row[ti] or "").strip() if ti is not None else "", text))
    if not out:
        from ...demo.cases import demo_voices

        out = [(v.get("title", ""), v["text"]) for v in demo_voices()]
    rng = random.Random(7)
    rng.shuffle(out)
    return out[:limit]


def load_pool(limit: int = 5000, cache_dir: Path | None = None, log: Callable[[str], None] = lambda s: None
              ) -> list[PoolItem]:
    """Real messages, normalised and segmented once (minutes for 5,000; cached in cache_dir)."""
    from ...text.normalise import normalise
    from ...text.segment import search_tokens

    key = ""
    if cache_dir is not None:
        stamp = [(p.name, p.stat().st_size) for p in sorted(TIPDM.glob("*.xlsx"))] if TIPDM.is_dir() else []
        key = hashlib.sha1(json.dumps([limit, stamp, GENERATOR_VERSION]).encode()).hexdigest()[:12]
        cached = cache_dir / f"pool-{key}.json"
        if cached.exists():
            return [PoolItem(t, tt, [tuple(s) for s in ss]) for t, tt, ss in json.loads(cached.read_text("utf-8"))]
    started = time.perf_counter()
    pool = []
    for title, text in _source_messages(limit):
        title = normalise(title)[:200]
        sentences = []
        for s in _SENTENCE.findall(normalise(text)):
            s = s.strip()
            if len(s) >= 4:
                sentences.append((s, search_tokens(s).split()))
        if sentences:
            pool.append(PoolItem(title or sentences[0][0][:30], search_tokens(title).split() if title else [],
                                 sentences))
    log(f"text pool: {len(pool)} messages segmented in {time.perf_counter() - started:.1f}s")
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f"pool-{key}.json.tmp"
        tmp.write_text(json.dumps([[p.title, p.title_tokens, p.sentences] for p in pool], ensure_ascii=False), "utf-8")
        tmp.replace(cache_dir / f"pool-{key}.json")
    return pool


class Babbler:
    """Texts that read like citizens' messages word by word but say nothing twice: each next word is
    drawn from the words that follow the current one in the real messages (a first-order chain), so
    texts share common words and phrases, never whole sentences or topics."""

    END = frozenset("。！？!?；;")

    def __init__(self, pool: list[PoolItem]):
        from ...text.cut import lcut
        from ...text.segment import STOPWORDS

        self.stop = STOPWORDS
        self.starts: list[str] = []
        self.next: dict[str, list[str]] = {}
        for item in pool:
            for sentence, _tokens in item.sentences:
                ws = [w for w in lcut(sentence) if w.strip()]
                if len(ws) < 3:
                    continue
                self.starts.append(ws[0])
                for a, b in zip(ws, ws[1:], strict=False):
                    self.next.setdefault(a, []).append(b)

    def sentence(self, r: Callable[[], float], most: int = 40) -> list[str]:
        w = self.starts[int(r() * len(self.starts))]
        out = [w]
        while w not in self.END and len(out) < most:
            options = self.next.get(w)
            if not options:
                break
            w = options[int(r() * len(options))]
            out.append(w)
        if out[-1] not in self.END:
            out.append("。")
        return out

    def text(self, r: Callable[[], float]) -> tuple[str, str, str]:
        """(title, text, search_text) of one new message of two to four sentences."""
        ws: list[str] = []
        for _ in range(2 + int(r() * 3)):
            ws += self.sentence(r)
        text = "".join(ws)
        words = (_PUNCT.sub("", w).lower() for w in ws)
        return text[:30], text, " ".join(dict.fromkeys(w for w in words if w and w not in self.stop))


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def pool_topics(pool: list[PoolItem]) -> list[str]:
    """The first-level category the shipped model suggests for each pool item (World.topics)."""
    from ...text.classify import default_model

    model = default_model()
    return [s.category for s in model.predict_many((p.title, "".join(t for t, _ in p.sentences)) for p in pool)]
