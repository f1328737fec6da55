"""Where the built question model lives: a file in the data dir, one copy per process.

Owns building the model (`walletdesk kb train`, or at start-up when no built model fits the
shipped data), saving and loading it, and handing the ready model to searches. Searches
never wait for a build: until the model is ready they use the lexical ranking alone.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from walletdesk.helpcenter import training
from walletdesk.helpcenter.content import read_articles
from walletdesk.helpcenter.model import VERSION, QuestionModel, build
from walletdesk.helpcenter.search import SearchDoc, SearchIndex
from walletdesk.helpcenter.training import Example

log = logging.getLogger("walletdesk.helpcenter")
MODEL_FILE = "help-search-model.pkl"

_LOCK = threading.Lock()
# One build at a time, so that a build started earlier (with fewer labels) cannot finish
# last and replace a newer model.
_BUILD_LOCK = threading.Lock()
_MODELS: dict[Path, QuestionModel] = {}
_BUILDING: set[Path] = set()
# Built from the shipped data alone, once per process (tests start many apps).
_SHIPPED: dict[str, QuestionModel] = {}


def model_path(data_dir: Path) -> Path:
    return Path(data_dir) / MODEL_FILE


def current(data_dir: Path) -> QuestionModel | None:
    """The ready model of this data dir, or None while there is none (lexical search then)."""
    return _MODELS.get(model_path(data_dir).resolve())


def train(
    data_dir: Path, labels: Sequence[Example] | Callable[[], Sequence[Example]]
) -> QuestionModel:
    """Build from the shipped data and `labels`, save into the data dir, and use it now."""
    with _BUILD_LOCK:
        return _train(data_dir, labels() if callable(labels) else labels)


def _train(data_dir: Path, labels: Sequence[Example]) -> QuestionModel:
    docs = [SearchDoc(a.slug, a.lang, a.title, a.summary, a.body) for a in read_articles()]
    fingerprint = training.fingerprint(f"{e.lang}|{e.target}|{e.text}" for e in labels)
    model = _SHIPPED.get(fingerprint) if not labels else None
    if model is None:
        model = build(SearchIndex.build(docs), docs, labels=labels, fingerprint=fingerprint)
        if not labels:
            _SHIPPED[fingerprint] = model
    path = model_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_bytes(pickle.dumps(model))
    partial.replace(path)
    _MODELS[path.resolve()] = model
    return model


def load(data_dir: Path) -> QuestionModel | None:
    path = model_path(data_dir)
    if not path.exists():
        return None
    try:
        model = pickle.loads(path.read_bytes())  # noqa: S301 - see the import
    except Exception:  # a file from another version of the code: rebuild
        log.warning("help search model at %s is unreadable; rebuilding", path)
        return None
    if not isinstance(model, QuestionModel) or model.version != VERSION:
        return None
    _MODELS[path.resolve()] = model
    return model


def ensure(data_dir: Path, labels: Callable[[], Sequence[Example]], *, wait: bool = False) -> None:
    """Load the saved model, or build one in a background thread when there is none.

    `labels` reads the admins' labels (from the database) for a build; `wait` blocks until
    the model is ready (the CLI and tests).
    """
    key = model_path(data_dir).resolve()
    if key in _MODELS or load(data_dir) is not None:
        return
    with _LOCK:
        if key in _BUILDING:
            return
        _BUILDING.add(key)

    def run() -> None:
        try:
            train(data_dir, labels)
        except Exception:
            log.exception("building the help search model failed; lexical search only")
        finally:
            with _LOCK:
                _BUILDING.discard(key)

    if wait:
        run()
        return
    threading.Thread(target=run, name="help-search-model", daemon=True).start()


def wait(data_dir: Path, *, timeout: float = 300.0) -> QuestionModel | None:
    """Wait for a build of this data dir in progress (tests, benchmarks)."""
    key = model_path(data_dir).resolve()
    deadline = time.monotonic() + timeout
    while key in _BUILDING and time.monotonic() < deadline:
        time.sleep(0.05)
    return current(data_dir)


def forget(data_dir: Path) -> None:
    """Drop the loaded model of this data dir (after its file was replaced elsewhere)."""
    _MODELS.pop(model_path(data_dir).resolve(), None)
