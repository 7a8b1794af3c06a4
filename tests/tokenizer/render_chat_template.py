#!/usr/bin/python3
"""Reference renderer for edgereason's chat template tests.

Renders chat templates with Python jinja2 configured the way Hugging Face
transformers' apply_chat_template configures it: an ImmutableSandboxedEnvironment
with trim_blocks, lstrip_blocks and the loopcontrols extension, plus the
raise_exception and strftime_now globals and transformers' own tojson filter
(json.dumps without ASCII escaping, with indent/separators/sort_keys).

Usage:
  render_chat_template.py TEMPLATE_FILE CONTEXT_JSON_FILE
      Writes the rendering to stdout as UTF-8 bytes; exit status 1 and a
      message on stderr when the template fails.
  render_chat_template.py --batch CASES_JSON_FILE
      CASES_JSON_FILE holds [{"template": str, "context": {...}}, ...]; writes
      a JSON list of {"ok": true, "output": str} or {"ok": false, "error": str}.
"""

import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def make_environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, template, context):
    return env.from_string(template).render(**context)


def main(argv):
    env = make_environment()
    if len(argv) == 3 and argv[1] == "--batch":
        with open(argv[2], encoding="utf-8") as f:
            cases = json.load(f)
        results = []
        for case in cases:
            try:
                results.append({"ok": True, "output": render(env, case["template"], case["context"])})
            except Exception as error:  # every failure is a result to compare
                results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
        sys.stdout.write(json.dumps(results, ensure_ascii=True))
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8", newline="") as f:
        template = f.read()
    with open(argv[2], encoding="utf-8") as f:
        context = json.load(f)
    try:
        output = render(env, template, context)
    except Exception as error:
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        return 1
    sys.stdout.buffer.write(output.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
