"""Start the briefing chat UI: ``python app.py [--corpus DIR] [--index DIR] [--host H] [--port P] [--auth U:P]``.

The same as ``briefing serve``: brings the index in ``index/`` (or ``$BRIEFING_INDEX``) up to date with
``corpus/`` (both next to this file unless given), then serves the chat on
http://127.0.0.1:7860.  ``--auth user:password`` (or ``BRIEFING_AUTH``) adds a login page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

try:
    from briefing.cli import main
except ImportError:  # not installed: run from the source tree
    sys.path.insert(0, str(ROOT / "src"))
    from briefing.cli import main


if __name__ == "__main__":
    # Defaults first, so flags given on the command line win (argparse keeps the last value).
    # The index: $BRIEFING_INDEX (a folder or a postgresql:// URL) when set, else index/ here.
    index = os.environ.get("BRIEFING_INDEX") or str(ROOT / "index")
    sys.exit(main(["serve", "--corpus", str(ROOT / "corpus"), "--index", index, *sys.argv[1:]]))
