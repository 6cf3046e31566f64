"""Before a web worker serves: load once what every new voice needs — the segmenter with the unit
tree's names, the category model, the word statistics of the duplicate search — then move these
long-lived objects out of the garbage collector's way (`gc.freeze`). Without it, Python's full
collection walks the segmenter's dictionary and the model's vocabularies (~140,000 objects) every so
often in the middle of a request: a 40 ms pause, the tail of intake latency (docs/benchmarks.md)."""

import gc
import logging

log = logging.getLogger(__name__)


def warm_up(freeze: bool = True) -> None:
    try:
        from .ledger.similar import term_stats
        from .org import lexicon
        from .sanitize import clean
        from .text.classify import default_model
        from .text.segment import words

        lexicon.ensure_loaded()
        words("预热分词器")
        from .ledger.model_sync import sync

        sync(every=0)  # the cluster's published model, if this node has not got it yet
        default_model(build=False)  # a missing model is built by `minqing demo` / `minqing text train`
        term_stats()
        from .ledger.reply_quality import ledger_corpus

        ledger_corpus()  # the reply assessment's word and reply statistics (docs/replies.md)
        from .text.reply_model import shipped_model

        shipped_model()  # its topic space and learned weights (~20,000 words)
        clean("\u200b")  # builds the character class of `clean` (~0.5 s) before a request needs it
    except Exception:  # never a reason not to serve: the first requests load what they need
        log.exception("warm-up failed")
    if freeze:
        gc.collect()
        gc.freeze()
