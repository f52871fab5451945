"""Keeping the server's memory bounded: give freed heap back to the system.

Answering a question allocates a few hundred MB for a moment (the sentence batches the model
embeds); with several questions at once on Gradio's worker threads, glibc keeps the freed
memory in per-thread arenas, so the server's RSS climbed by gigabytes under load and never
came down, although nothing was still referenced (measured: 0.7 -> 4.1 GB with 40 threads,
back to 0.95 GB after ``malloc_trim``).  :func:`bound_heap` caps the number of arenas and
starts a daemon thread that calls ``malloc_trim(0)`` shortly after activity, so the RSS
returns to its baseline between bursts.  On a C library without these calls (not glibc)
it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h
DEFAULT_ARENAS = 2
TRIM_INTERVAL_S = 2.0

_activity = threading.Event()
_started = False
_start_lock = threading.Lock()


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def trim() -> bool:
    """Return freed heap memory to the system now; False when the C library cannot."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def note_activity() -> None:
    """Tell the trimmer that memory was just used (after an answer or a rebuild)."""
    _activity.set()


def _trim_loop(interval: float) -> None:
    while True:
        _activity.wait()
        _activity.clear()
        threading.Event().wait(interval)  # let the burst finish before trimming
        trim()


def bound_heap(arenas: int = DEFAULT_ARENAS, interval: float = TRIM_INTERVAL_S) -> bool:
    """Cap malloc arenas and start the trimming thread (once per process); False when unsupported."""
    global _started
    libc = _libc()
    if libc is None:
        return False
    with _start_lock:
        if not _started:
            libc.mallopt(M_ARENA_MAX, arenas)
            threading.Thread(target=_trim_loop, args=(interval,), name="briefing-heap-trim", daemon=True).start()
            _started = True
    return True
