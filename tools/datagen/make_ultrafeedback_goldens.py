#!/usr/bin/env python3
"""Goldens for dev.llama3j.datagen's UltraFeedback judge prompts and answer parsing.

Renders distilabel's UltraFeedback templates (the copies in llama3j-core's resources) the way
distilabel does -- jinja2.Template(text).render(instruction=..., generations=...), Jinja2's default
environment -- for several rows and every aspect, and reads judge answers with a restatement of
distilabel's UltraFeedback.format_output (distilabel is not installed here; the rules are restated
below from src/distilabel/steps/tasks/ultrafeedback.py and Task._format_outputs: a failing
format_output makes every output column None).

Run from the repository root:  python3 tools/datagen/make_ultrafeedback_goldens.py
Writes llama3j-core/src/test/resources/dev/llama3j/datagen/ultrafeedback-goldens.json
"""
import json
import os
import re

import jinja2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(ROOT, "llama3j-core/src/main/resources/dev/llama3j/datagen/ultrafeedback")
OUT = os.path.join(ROOT, "llama3j-core/src/test/resources/dev/llama3j/datagen/ultrafeedback-goldens.json")

ASPECTS = ["overall-rating", "instruction-following", "helpfulness", "honesty", "truthfulness"]
TYPED = {"helpfulness", "truthfulness"}

SYSTEM_PROMPT = (
    "Your role is to evaluate text quality based on given criteria.\n"
    'You\'ll receive an instructional description ("Instruction") and {no_texts} text outputs ("Text").\n'
    "Understand and interpret instructions to evaluate effectively.\n"
    "Provide annotations for each text with a rating and rationale.\n"
    "The {no_texts} texts given are independent, and should be evaluated separately.\n"
)

ROWS = [
    {"instruction": "How much is 2+2?", "generations": ["4", "and a car"]},
    {"instruction": "What is the capital of France?", "generations": ["Paris.", "The capital of France is Paris.",
                                                                       "Lyon"]},
    {"instruction": "Say hi", "generations": ["Hello!"]},
    {"instruction": "  Write a haiku\nabout {{ snow }} and {% tags %}  \n",
     "generations": ["Cold {{ flakes }} fall\n\nsoftly\n", "", "   \t"]},
    {"instruction": "Traduis « bonjour » en 日本語 🙂", "generations": ["こんにちは", "Hola ¿qué tal? — ça va", "🙂\r\nok"]},
    {"instruction": "Count", "generations": ["1", "2", "3", "4", "5"]},
]

# Judge answers: the one distilabel's tests feed (tests/unit/steps/tasks/test_ultrafeedback.py), then
# well-formed and malformed ones.
OUTPUTS = [
    "Type: 1\nRationale: text\nRating: 1\nRationale: text\n\nType: 2\nRationale: text\nRating: 2\nRationale: text",
    "#### Output for Text 1\nRating: 4\nRationale: Correct and concise.\n\n#### Output for Text 2\nRating: 1\nRationale: Irrelevant.",
    "Rating: 5\nRationale: Great.\n\nRating: N/A\nRationale: Creative writing.",
    "Rating: None\nRationale: nothing to rate\n\nRating: 3\nRationale: fine\nmore lines\nand more",
    "Here are my ratings.\n\nRating: 3\nRationale: ok\n\nRating: 2\nRationale: meh",
    "Rating: 4/5 (very good)\nRationale: a\n\nRating: [Rating 2]\nRationale: b",
    "Rating: five\nRationale: no digits",
    "Rating: 12abc 7\nRationale: boundary",
    "Rating: x_5\nRationale: no boundary before 5",
    "Rating: \u0663\nRationale: Arabic-Indic three",
    "Rating: 4\r\nRationale: windows line end",
    "Rating: 4\nRationale: a\n\n",
    "",
    "\n\n\n\n",
    "Rating: 2\nRationale:",
    "Rating: 2\nRationale: x",
    "Rating:4\nRationale: no space",
    "I cannot rate these texts.",
    "Type: 1, 3\nRationale: clear\nRating: 4\nRationale: accurate\n\nType: None\nRationale: none\nRating: 2\nRationale: wrong",
    "Type: None\nRationale: r\nRating: N/A\nRationale: s",
    "Type: 2\nRationale: r\nRating: 3",
    "Type: one\nRationale: r\nRating: 3\nRationale: s",
    "Rating: 007\nRationale: leading zeros\n\nRating: 99999999999999999999999\nRationale: big",
    None,
]


def render(aspect, row):
    with open(os.path.join(TEMPLATES, aspect + ".jinja2"), encoding="utf-8") as f:
        template = jinja2.Template(f.read())
    return template.render(instruction=row["instruction"], generations=row["generations"])


def first_number(value):
    return int(re.findall(r"\b\d+\b", value)[0]) if value not in ["None", "N/A"] else None


def parse(aspect, output, texts):
    """distilabel's format_output, restated; None for a failed output (every column None)."""
    typed = aspect in TYPED
    if output is None:
        result = {"ratings": [None] * texts, "rationales": [None] * texts}
        if typed:
            result.update({"types": [None] * texts, "rationales-for-ratings": [None] * texts})
        return result
    pattern = (r"Type: (.+?)\nRationale: (.+?)\nRating: (.+?)\nRationale: (.+)" if typed
               else r"Rating: (.+?)\nRationale: (.+)")
    columns = ["types", "rationales", "ratings", "rationales-for-ratings"] if typed else ["ratings", "rationales"]
    result = {c: [] for c in columns}
    try:
        for section in output.split("\n\n"):
            m = re.search(pattern, section, re.DOTALL) if section else None
            if not m:
                for c in columns:
                    result[c].append(None)
                continue
            if typed:
                values = [first_number(m.group(1)), m.group(2), first_number(m.group(3)), m.group(4)]
            else:
                values = [first_number(m.group(1)), m.group(2)]
            for c, v in zip(columns, values):
                result[c].append(v)
    except IndexError:
        return None
    return result


def main():
    prompts = []
    for aspect in ASPECTS:
        for row in ROWS:
            prompts.append({
                "aspect": aspect,
                "instruction": row["instruction"],
                "generations": row["generations"],
                "system": SYSTEM_PROMPT.format(no_texts=len(row["generations"])),
                "user": render(aspect, row),
            })
    parses = []
    for aspect in ASPECTS:
        for output in OUTPUTS:
            parses.append({"aspect": aspect, "output": output, "texts": 2, "expected": parse(aspect, output, 2)})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "prompts": prompts, "parses": parses}, f, ensure_ascii=False,
                  indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
