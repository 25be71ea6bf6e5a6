"""Regenerates jinja-cases.json: template snippets rendered by real Jinja2 configured as Hugging Face
configures it for chat templates (transformers' _compile_jinja_template). JinjaConformanceTest checks
that llama3j's renderer gives the same output, or fails where Jinja2 fails.

    python3 make_jinja_cases.py   # needs jinja2 (3.1.x)
"""
import json
import pathlib

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def strftime_now(fmt):
    import datetime
    return datetime.datetime(2026, 11, 26, 9, 5, 7).strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

VARS = {
    "s": "  Hello, World!  ",
    "u": "héllo wörld 😀 ß",
    "n": 7,
    "f": 2.5,
    "zero": 0,
    "t": True,
    "nothing": None,
    "items": ["b", "a", "C"],
    "nums": [3, 1, 2],
    "d": {"b": 2, "a": 1, "items": "shadowed"},
    "msgs": [
        {"role": "system", "content": " sys "},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "yo", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]},
    ],
    "nested": {"a": {"b": [10, 20, {"c": "deep"}]}},
    "people": [{"name": "Al", "age": 30}, {"name": "bo", "age": 20}, {"name": "Cy"}],
    "empty": [],
    "text": "line one\nline two\n\nline four",
    "uni": {"k": "日本語 \u00e9 \u2028"},
}

CASES = [
    # whitespace control
    "a\n{% if t %}\nyes\n{% endif %}\nb",
    "  {% if t %}\n  x\n  {% endif %}\nend",
    "  {%+ if t %}x{% endif %}",
    "{% if t +%}\nkeep newline{% endif %}",
    "a  {{- 'b' -}}  c",
    "{%- if t -%}  x  {%- endif %}  y",
    "  {{ 'not stripped' }}",
    "a {# comment #} b",
    "line\n  {# comment #}\nnext",
    "x {#- trimmed -#} y",
    "x\n",
    "x\n\n",
    "a\r\nb\rc",
    "{% raw %}{{ not }} {% evaluated %}{% endraw %}",
    "  {% raw %}\nraw{% endraw %}\nafter",
    "{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n",
    "{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}",
    "<{{- ' x ' -}}>",
    "{{ 'a' }}\n{{ 'b' }}\n",
    "\t{% if t %}tab{% endif %}",
    "text  {% if t %}\nx{% endif %}",
    # scoping, namespaces, loops
    "{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}",
    "{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}",
    "{% set ns = namespace(x=1, y='a') %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}{{ ns.y }}",
    "{% set a, b = 1, 2 %}{{ a }}-{{ b }}",
    "{% set t2 = (1, 'x') %}{{ t2 }}{{ t2[1] }}",
    "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}|{% endfor %}",
    "{% for x in nums %}{{ loop.previtem }}/{{ loop.nextitem }}/{{ loop.cycle('o', 'e') }} {% endfor %}",
    "{% for x in empty %}a{% else %}empty{% endfor %}",
    "{% for x in range(10) if x is even %}{{ loop.index }}:{{ x }} {% endfor %}",
    "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% for k in d %}{{ k }}{% endfor %}",
    "{% for x in nums %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{% endfor %}",
    "{% for m in msgs %}{% if m.role == 'system' %}S{% elif m.role == 'user' %}U{% else %}A{% endif %}{% endfor %}",
    "{% for x in [3, 1, 3, 2] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
    "{% for x in nothing %}{% endfor %}",
    "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }} {{ greet(name='Cy') }}",
    "{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}",
    "{% set block %}inner {{ n }}{% endset %}<{{ block }}>",
    "{% set block | upper %}shout{% endset %}{{ block }}",
    "{% filter upper %}abc {{ 'd' }}{% endfilter %}",
    "{% with a = 5 %}{{ a }}{% endwith %}{{ a is defined }}",
    "{% for item in nested.a.b recursive %}{{ item }}{% endfor %}",
    # expressions
    "{{ nested.a.b[2].c }} {{ nested['a']['b'][0] }} {{ nested.a.b.1 }}",
    "{{ 'ell' in s }} {{ 'x' not in items }} {{ 'a' in items }} {{ 'a' in d }} {{ 2 in nums }}",
    "{{ n is defined }} {{ missing is defined }} {{ nothing is none }} {{ s is string }} {{ d is mapping }} {{ items is iterable }} {{ s is iterable }} {{ items is sequence }} {{ n is number }} {{ t is boolean }} {{ f is number }} {{ t is number }} {{ n is integer }} {{ f is float }}",
    "{{ missing is iterable }} {{ missing is sequence }} {{ missing is mapping }} {{ missing is string }} {{ missing is none }}",
    "{{ n is divisibleby 7 }} {{ n is odd }} {{ n is even }} {{ nothing is sameas none }} {{ t is true }} {{ zero is false }} {{ s is lower }} {{ 'ABC' is upper }}",
    "{{ n is not none }} {{ not n is none }} {{ not missing is defined }}",
    "{{ 'a' ~ n ~ nothing ~ t ~ missing }}",
    "{{ 1 + 2 * 3 - 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7.5 // 2 }} {{ 1 / 3 }}",
    "{{ -n }} {{ +n }} {{ - -n }} {{ -f }}",
    "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ t == 1 }} {{ 'a' != 'a' }}",
    "{{ nothing or 'fb' }} {{ n or 'fb' }} {{ zero or 'fb' }} {{ n and 'last' }} {{ '' and 'never' }} {{ missing or 'x' }}",
    "{{ 'yes' if t else 'no' }} {{ 'yes' if zero else 'no' }} [{{ 'yes' if zero }}]",
    "{{ s[2:7] }} {{ s[::-1] }} {{ items[-1] }} {{ items[1:] }} {{ items[:-1] }} {{ nums[::2] }} {{ u[::-1] }} {{ u[-3:] }} {{ s[100:] }} {{ items[5] }}",
    "{{ items + ['z'] }} {{ 'ab' * 3 }} {{ [0] * 3 }} {{ (1, 2) + (3,) }}",
    "{{ 'a' 'b' \"c\" }}",
    "{{ '\\n\\t\\\\ \\x41 \\u00e9 \\'q\\' \\d' }}",
    "{{ \"it's\" }} {{ 'say \"hi\"' }}",
    "{{ {'a': 1, 'b': [1, 2]}['b'][1] }} {{ {'x': 1} }} {{ [] }} {{ () }} {{ (1,) }}",
    "{{ nothing }} {{ t }} {{ f }} {{ 1.0 }} {{ 1e20 }} {{ 1e-7 }} {{ 0.1 + 0.2 }} {{ 10 / 5 }} {{ 3.0 * 2 }}",
    "{{ [1, 'a', None, True, 1.5, {'k': 'v'}, ('t',)] }}",
    "{{ d }} {{ uni }} {{ ['it\\'s', \"q\\\"\", '\\n', 'é', '\\x00'] }}",
    "{{ missing }}|{{ d.missing }}|{{ d['missing'] }}|{{ items[10] }}|{{ nothing.attr }}",
    "{{ d.items is callable }} {{ d['items'] }} {{ d.items() | length }}",
    "{{ msgs[0].content | trim }}|{{ msgs[2].tool_calls[0].function.arguments | tojson }}",
    "{{ 1_000 }} {{ 1.5e3 }} {{ 0.5 }}",
    # string methods
    "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxaxx'.strip('x') }}",
    "{{ s.strip().startswith('Hello') }} {{ s.endswith('!  ') }} {{ 'abc'.startswith(('x', 'a')) }}",
    "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'a  b'.split(None, 1) }}",
    "{{ 'Hello'.upper() }} {{ 'Hello'.lower() }} {{ \"they're bill's\".title() }} {{ 'hELLO wORLD'.capitalize() }} {{ 'straße'.upper() }}",
    "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'abc'.replace('', '-') }}",
    "{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }}",
    "{{ ', '.join(items) }} {{ '-'.join('abc') }}",
    "{{ 'a\\nb\\r\\nc'.splitlines() }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }}",
    "{{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {{ d.keys() | list }} {{ d.values() | list }}",
    "{{ '{} and {}'.format('x', 2) }} {{ '{name}!'.format(name='Bo') }}",
    "{{ '%s is %d years, %.2f%%' % ('Al', 30, 12.345) }} {{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }} {{ '%5s|%-5s|%05d' % ('x', 'y', 42) }}",
    "{{ '%s' | format('x') }} {{ '%s and %s' | format(1, 2) }}",
    # filters
    "{{ s | trim }}|{{ 'xxhixx' | trim('x') }}|{{ '\\u00a0nbsp\\u00a0' | trim }}|{{ nothing | trim }}|{{ n | trim }}",
    "{{ items | length }} {{ s | length }} {{ u | length }} {{ d | length }} {{ missing | length }} {{ items | count }}",
    "{{ items | join }} {{ items | join(', ') }} {{ people | join(', ', attribute='name') }} {{ nums | join('+') }}",
    "{{ missing | default('dflt') }} {{ zero | default('dflt') }} {{ zero | default('dflt', true) }} {{ '' | d('e', boolean=true) }} {{ nothing | default('x') }}",
    "{{ items | first }} {{ items | last }} {{ 'abc' | first }} {{ empty | first }}|{{ d | first }}",
    "{{ s | upper }} {{ s | lower }} {{ 'hello world-wide (x)' | title }} {{ \"they're\" | title }} {{ 'hELLO' | capitalize }}",
    "{{ n | string }} {{ nothing | string }} {{ items | string }} {{ (n | string) + 'x' }}",
    "{{ '42' | int }} {{ '42.7' | int }} {{ 'x' | int }} {{ 'x' | int(5) }} {{ 3.9 | int }} {{ t | int }} {{ '0x1A' | int(0, 16) }} {{ ' 12 ' | int }} {{ nothing | int }}",
    "{{ '1.5' | float }} {{ 'x' | float }} {{ n | float }} {{ '1e3' | float }}",
    "{{ 'abc' | list }} {{ d | list }} {{ items | list }}",
    "{{ d | items | list }} {{ missing | items | list }}",
    "{{ people | selectattr('age') | map(attribute='name') | list }} {{ people | rejectattr('age') | map(attribute='name') | list }}",
    "{{ people | selectattr('age', 'gt', 25) | map(attribute='name') | list }}",
    "{{ people | selectattr('age', 'defined') | selectattr('age', 'gt', 25) | map(attribute='name') | list }} {{ people | selectattr('name', 'equalto', 'bo') | list | length }}",
    "{{ people | map(attribute='age', default=0) | list }} {{ people | map(attribute='age') | list }}",
    "{{ items | map('upper') | list }} {{ nums | select('odd') | list }} {{ nums | reject('odd') | list }} {{ [0, 1, '', 'a', None] | select | list }}",
    "{{ items | reject('equalto', 'a') | join(',') }} {{ msgs | selectattr('role', 'in', ['user', 'system']) | list | length }}",
    "{{ ['b', 'a', 'B'] | unique | list }} {{ items | sort | list }} {{ items | sort(case_sensitive=true) | list }} {{ nums | sort(reverse=true) | list }} {{ people | sort(attribute='name') | map(attribute='name') | list }}",
    "{{ nums | reverse | list }} {{ 'abc' | reverse }} {{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '', 1) }}",
    "{{ -3 | abs }} {{ (-3) | abs }} {{ -2.5 | abs }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.567 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 7 | round }}",
    "{{ nums | sum }} {{ nums | min }} {{ nums | max }} {{ items | min }} {{ items | max(case_sensitive=true) }} {{ people | selectattr('age', 'defined') | sum(attribute='age') }} {{ empty | min }}",
    "{{ people | sum(attribute='age') }}",
    "{{ {'b': 2, 'a': 1, 'C': 3} | dictsort }} {{ {'b': 2, 'a': 1} | dictsort(by='value', reverse=true) }} {{ d | dictsort }}",
    "{{ d | dictsort(by='value') }}",
    "{{ text | indent }}|{{ text | indent(2, true) }}|{{ text | indent(2, blank=true) }}",
    "{{ 'one two  three' | wordcount }} {{ '<a & \"b\">' | e }} {{ '<x>' | safe }}",
    "{{ d | attr('items') is callable }} {{ d | attr('a') is defined }}",
    "{{ 'x' | pprint }}",
    # tojson
    "{{ d | tojson }}",
    "{{ d | tojson(indent=2) }}",
    "{{ uni | tojson }}",
    "{{ uni | tojson(ensure_ascii=true) }}",
    "{{ nested | tojson(indent=4) }}",
    "{{ d | tojson(sort_keys=true) }}",
    "{{ d | tojson(separators=(',', ':')) }}",
    "{{ [1.0, 2.5, 1e20, -0.0, None, true, 'x', {}, []] | tojson }}",
    "{{ s | tojson }} {{ n | tojson }} {{ 'a\\tb\\u0001\\u007f</script>' | tojson }}",
    "{{ msgs | tojson }}",
    "{{ (1, 2) | tojson }}",
    # globals
    "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }}",
    "{{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
    "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %-d %H:%M:%S %j %y %m %I %p') }}",
    # more combinations
    "{{ 'abc'[1] }} {{ 'abc'[-1] }} {{ [1, 2, 3][-2:] }} {{ items[0:2][::-1] }}",
    "{% if n > 5 and not zero %}big{% endif %}{% if n < 5 or zero %}small{% endif %}",
    "{{ msgs | map(attribute='role') | join(', ') }} {{ (msgs | selectattr('role', 'equalto', 'user') | list | first).content }}",
    "{% for m in msgs %}{{ m['role'][0] | upper }}{% endfor %}",
    "{{ 'x' | tojson(indent=4) }} {{ {'a': [1, {'b': []}]} | tojson(indent=2) }}",
    "{% set c = 'a' if t else 'b' %}{{ c }}",
    "{% for x in [[1, [2]], 3] recursive %}{% if x is iterable %}[{{ loop(x) }}]{% else %}{{ x }}@{{ loop.depth }}{% endif %}{% endfor %}",
    "{{ loop }}|{{ loop is defined }}",
    "{%- set x = 1 %}\n\n  {{- x }}",
    "{{ n ~ '' }} {{ 10 // 3 * 3 }} {{ 2 ** 3 ** 2 }} {{ not t or t }} {{ t and not zero }} {{ -1 if zero else -2 }} {{ 'a' if 'b' in 'abc' }}",
    "{{ 'a' }}{# c #}\n{{ 'b' }}",
    "{# multi\nline #}\nx",
    "{% if t %}\n    {{- 'indented' }}\n{% endif %}",
    "{% for i in range(3) %}{{ i }}{{ ', ' if not loop.last }}{% endfor %}",
    "{{ msgs[1:] | length }} {{ msgs[0]['content'] | trim + '!' }} {{ 'p' + msgs[1].content | upper + 's' }}",
    "{% set messages = msgs[1:] %}{{ messages[0].role }}",
    "{{ 'tool_calls' in msgs[2] }} {{ 'tool_calls' in msgs[1] }} {{ msgs[2].tool_calls | length == 1 }} {{ not msgs[2].tool_calls | length == 1 }}",
    "{% for name, value in msgs[2].tool_calls[0].function.arguments | items %}{{ name + '=\"' + value | string + '\"' }}{% endfor %}",
    "{{ items | join(', ') | length }} {{ (items | join) [1:] }}",
    "{{ 'Jinja' ~ 2 ~ '!' | upper }}",
    "{{ u | upper }} {{ u | title }} {{ u.title() }} {{ u | capitalize }}",
    "{{ '  x\t\n' | trim | length }} {{ '\u3000x\u2009' | trim }} {{ '\u200bx' | trim | length }}",
    # errors (Jinja2 raises: so must we)
    "{{ missing.attr }}",
    "{{ missing['k'] }}",
    "{{ missing + 1 }}",
    "{{ 'a' + 1 }}",
    "{{ 1 + 'a' }}",
    "{{ [1] + 'a' }}",
    "{{ d.missing.attr }}",
    "{{ nothing() }}",
    "{{ n() }}",
    "{{ 1 / 0 }}",
    "{{ 1 < 'a' }}",
    "{{ missing < 1 }}",
    "{{ x | nosuchfilter }}",
    "{{ x is nosuchtest }}",
    "{% if %}{% endif %}",
    "{% if t %}never closed",
    "{% endif %}",
    "{% for x in %}{% endfor %}",
    "{{ 'unterminated }}",
    "{% nosuchtag %}",
    "{{ (1, 2 }}",
    "{{ raise_exception('custom failure') }}",
    "{{ items.append('x') }}",
    "{{ d.update({}) }}",
    "{% set x.y = 1 %}",
    "{% for a, b in [1, 2] %}{% endfor %}",
    "{{ 'a' in 1 }}",
    "{{ 1 in nothing }}",
    "{{ n | length }}",
    "{{ n | items | list }}",
    "{{ missing | tojson }}",
    "{% break %}",
    "{{ {'a': 1} | map('nosuchfilter') | list }}",
    "{{ 'abc' | reject('nosuchtest') | list }}",
]


def main():
    out = []
    for template in CASES:
        case = {"template": template}
        try:
            case["expected"] = env.from_string(template).render(**VARS)
        except Exception as e:  # noqa: BLE001 - any Jinja2 failure must be a failure for us too
            case["error"] = f"{type(e).__name__}: {e}"
        out.append(case)
    doc = {"jinja2": jinja2.__version__, "vars": VARS, "cases": out}
    path = pathlib.Path(__file__).with_name("jinja-cases.json")
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(out)} cases, {sum('error' in c for c in out)} errors -> {path}")


if __name__ == "__main__":
    main()
