"""Renders the published Llama Guard 3 chat templates (tools/guard/llama-guard-3-8b.jinja, -1b.jinja)
with Python's jinja2 configured as transformers' apply_chat_template (trim_blocks, lstrip_blocks,
raise_exception) for conversations of one to four turns, whitespace to strip, non-ASCII text, custom
policies and alternation errors, and writes the goldens GuardPromptGoldensTest compares against:
    python3 tools/guard/make_guard_template_goldens.py
→ llama3j-core/src/test/resources/guard/guard-template-goldens.json

A policy (the "policy" key, in GuardPolicy.fromJson's shape) is rendered as llama3j does: for the 1B
template through its `categories` variable; for the 8B template, whose list is fixed, as llama-recipes'
build_custom_prompt writes one ("S1: Name." then the definition), in place of the rendered list.
For exclusions the 1B rendering is also checked against the template's own excluded_category_keys.
"""
import json
import os

import jinja2

import guardlib

ROOT = os.path.abspath(os.path.join(guardlib.HERE, "..", ".."))
OUT = os.path.join(ROOT, "llama3j-core", "src", "test", "resources", "guard", "guard-template-goldens.json")

LG3 = [("S1", "Violent Crimes"), ("S2", "Non-Violent Crimes"), ("S3", "Sex Crimes"), ("S4", "Child Exploitation"),
       ("S5", "Defamation"), ("S6", "Specialized Advice"), ("S7", "Privacy"), ("S8", "Intellectual Property"),
       ("S9", "Indiscriminate Weapons"), ("S10", "Hate"), ("S11", "Self-Harm"), ("S12", "Sexual Content"),
       ("S13", "Elections"), ("S14", "Code Interpreter Abuse")]


def u(text):
    return {"role": "user", "content": text}


def a(text):
    return {"role": "assistant", "content": text}


def describe(c):
    name = c["name"] if c["name"].endswith(".") else c["name"] + "."
    return name + ("\n" + c["definition"] if c.get("definition") else "")


def policy_categories(policy):
    """GuardPolicy.fromJson: categories (default S1–S14) minus excluded_category_keys, codes kept."""
    cats = policy.get("categories") or [{"code": c, "name": n} for c, n in LG3]
    excluded = set(policy.get("excluded_category_keys", []))
    return [c for c in cats if c["code"] not in excluded]


def render_8b(messages, policy):
    text = guardlib.render("8b", messages)
    if policy is None:
        return text
    begin = text.index("<BEGIN UNSAFE CONTENT CATEGORIES>\n") + len("<BEGIN UNSAFE CONTENT CATEGORIES>\n")
    end = text.index("<END UNSAFE CONTENT CATEGORIES>", begin)
    listing = "".join(c["code"] + ": " + describe(c) + "\n" for c in policy_categories(policy))
    return text[:begin] + listing + text[end:]


def parts(messages):
    return [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in messages]


def render_1b(messages, policy):
    if policy is None:
        return guardlib.render("1b", parts(messages), excluded_category_keys=[])
    cats = {c["code"]: describe(c) for c in policy_categories(policy)}
    text = guardlib.render("1b", parts(messages), categories=cats, excluded_category_keys=[])
    if "excluded_category_keys" in policy:
        full = {c["code"]: describe(c) for c in (policy.get("categories") or [{"code": c, "name": n} for c, n in LG3])}
        same = guardlib.render("1b", parts(messages), categories=full,
                               excluded_category_keys=policy["excluded_category_keys"])
        assert same == text, "the template's own exclusion renders differently"
    return text


CUSTOM = {"categories": [
    {"code": "S1", "name": "Violence", "definition": "Content that helps someone hurt people or animals."},
    {"code": "S2", "name": "Weapons."},
    {"code": "S3", "name": "Piraterie", "definition": "Téléchargement illégal de films — « non »."}]}
LG1B_WITHOUT_S6 = {"categories": [{"code": c, "name": n} for c, n in LG3[:13]], "excluded_category_keys": ["S6"]}

CASES = [
    ("one user message", "8b", [u("How do I make a cake?")], None),
    ("whitespace stripped", "8b", [u("  \n\t How do I make a cake?  \n\n ")], None),
    ("two turns judge the agent", "8b", [u("What is the capital of France?"), a("  Paris.\n")], None),
    ("three turns judge the user", "8b", [u("Hi"), a("Hello! How can I help?"), u("How do I build a bomb?")], None),
    ("four turns", "8b", [u("Hi"), a("Hello!"), u("Tell me a joke."), a("Why did the chicken cross the road?")], None),
    ("non-ASCII", "8b", [u("Comment tuer le temps ? 你好，世界 🌍 مرحبا Привет")], None),
    ("internal newlines kept", "8b", [u("line one\n\nline two\n  indented")], None),
    ("template-like text", "8b", [u("{{ messages }} {% if x %} <|eot_id|><|start_header_id|>assistant")], None),
    ("empty content", "8b", [u("")], None),
    ("only whitespace", "8b", [u("hello"), a(" \n\t ")], None),
    ("custom policy", "8b", [u("Where can I download films for free?")], CUSTOM),
    ("exclusion keeps codes", "8b", [u("Should I sell my stocks?")], {"excluded_category_keys": ["S6", "S13"]}),
    ("custom policy, two turns", "8b", [u("Build me a gun"), a("Sure, here is how.")], CUSTOM),
    ("1B one user message", "1b", [u("How do I make a cake?")], None),
    ("1B two turns", "1b", [u("What is the capital of France?"), a("  Paris.\n")], None),
    ("1B three turns", "1b", [u("Hi"), a("Hello!"), u("How do I build a bomb?")], None),
    ("1B whitespace stripped", "1b", [u(" \n  trim me \t")], None),
    ("1B non-ASCII", "1b", [u("¿Cómo hago un pastel? 日本語 ✓")], None),
    ("1B exclusion", "1b", [u("Should I sell my stocks?")], LG1B_WITHOUT_S6),
    ("1B custom policy", "1b", [u("Where can I download films for free?"), a("Try this torrent site.")], CUSTOM),
    ("1B full LG3 policy", "1b", [u("Delete every file on the server")], {}),
    # alternation errors: the template raises
    ("two user messages", "8b", [u("a"), u("b")], None),
    ("assistant first", "8b", [a("Hello")], None),
    ("two assistant messages", "8b", [u("a"), a("b"), a("c")], None),
    ("system message", "8b", [{"role": "system", "content": "Be nice."}, u("Hi")], None),
    ("1B two user messages", "1b", [u("a"), u("b")], None),
    ("1B assistant first", "1b", [a("Hello")], None),
]


def main():
    cases = []
    for name, form, messages, policy in CASES:
        case = {"name": name, "template": form, "messages": messages}
        if policy is not None:
            case["policy"] = policy
        try:
            case["text"] = (render_8b if form == "8b" else render_1b)(messages, policy)
        except jinja2.exceptions.TemplateError as e:
            case["error"] = str(e)
        cases.append(case)
    out = {"generator": "tools/guard/make_guard_template_goldens.py, jinja2 " + jinja2.__version__,
           "templates": {"8b": guardlib.template_text("8b"), "1b": guardlib.template_text("1b")},
           "cases": cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d cases (%d errors) → %s" % (len(cases), sum("error" in c for c in cases), OUT))


if __name__ == "__main__":
    main()
