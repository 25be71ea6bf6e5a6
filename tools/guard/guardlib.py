"""Shared pieces of the Llama Guard scripts: the published templates rendered the Hugging Face way,
and the Llama 3 byte-level BPE tokenizer (for training data; checked against the fixtures' goldens).

Needs jinja2 and regex (the pyenv python3 of the workspace has both)."""
import json
import os

import jinja2
import regex

HERE = os.path.dirname(os.path.abspath(__file__))


def template_text(name):
    """'8b' or '1b': the chat_template of Llama-Guard-3-8B / -1B tokenizer_config.json."""
    with open(os.path.join(HERE, "llama-guard-3-%s.jinja" % name), encoding="utf-8") as f:
        return f.read()


def hf_environment():
    """transformers' apply_chat_template environment: trim_blocks, lstrip_blocks, raise_exception."""
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env.globals["raise_exception"] = raise_exception
    return env


def render(name, messages, **kwargs):
    return hf_environment().from_string(template_text(name)).render(messages=messages, **kwargs)


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


class Tokenizer:
    """Llama 3 tokenizer.json: special tokens split out first, then regex pieces, then BPE merges."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        self.vocab = t["model"]["vocab"]
        self.ranks = {tuple(m.split(" ")) if isinstance(m, str) else tuple(m): i
                      for i, m in enumerate(t["model"]["merges"])}
        self.special = {a["content"]: a["id"] for a in t["added_tokens"]}
        self.pattern = regex.compile(t["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"])
        self.byte_map = _bytes_to_unicode()
        self.special_re = regex.compile("|".join(regex.escape(s) for s in sorted(self.special, key=len, reverse=True)))
        self.cache = {}

    def _bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        word = [self.byte_map[b] for b in piece.encode("utf-8")]
        while len(word) > 1:
            best = None
            for i in range(len(word) - 1):
                r = self.ranks.get((word[i], word[i + 1]))
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            i = best[1]
            word = word[:i] + [word[i] + word[i + 1]] + word[i + 2:]
        ids = [self.vocab[w] for w in word]
        self.cache[piece] = ids
        return ids

    def encode_plain(self, text):
        out = []
        for piece in self.pattern.findall(text):
            out.extend(self._bpe(piece))
        return out

    def encode(self, text):
        """Special-token text becomes control ids (a rendered guard prompt holds no user text that looks like one)."""
        out = []
        pos = 0
        for m in self.special_re.finditer(text):
            out.extend(self.encode_plain(text[pos:m.start()]))
            out.append(self.special[m.group()])
            pos = m.end()
        out.extend(self.encode_plain(text[pos:]))
        return out
