#!/usr/bin/python3
"""Independent checks of `edgereason-train world` output, with Python's own
parser as the reference for what an expression means.

usage: world_reference.py problems.jsonl traces.jsonl direct.jsonl
Prints "ok <rows>" or the first failure (exit 1).
"""
import ast
import json
import re
import sys

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def fail(msg):
    print(msg)
    sys.exit(1)


def parse(expr):
    return ast.parse(expr.replace("\u00d7", "*"), mode="eval").body


def check_tree(node, where):
    """Value of the tree; every leaf and intermediate must lie in 1..99."""
    if isinstance(node, ast.Constant):
        v = node.value
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        a, b = check_tree(node.left, where), check_tree(node.right, where)
        v = a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
    else:
        fail(f"{where}: unexpected syntax {ast.dump(node)}")
    if not 1 <= v <= 99:
        fail(f"{where}: value {v} outside 1..99")
    return v


def operations(node):
    return sum(isinstance(n, ast.BinOp) for n in ast.walk(node))


EXPR = re.compile(r"^(?:Compute|Evaluate|Calculate|What is) ([0-9 ()+\-\u00d7]+)[.?]$")


def check_problem(row, where):
    p, a, d, task = row["problem"], row["answer"], row["difficulty"], row["task"]
    if task == "arithmetic":
        m = EXPR.match(p)
        if not m:
            fail(f"{where}: cannot read the expression in {p!r}")
        tree = parse(m.group(1))
        if operations(tree) != d or not 1 <= d <= 6:
            fail(f"{where}: {operations(tree)} operations, difficulty {d}")
        if str(check_tree(tree, where)) != a:
            fail(f"{where}: {p!r} is not {a}")
        return m.group(1)
    if d != 0:
        fail(f"{where}: chat task with difficulty {d}")
    number = re.search(r"\d{3,}", p)
    if task == "copy" and a != number.group(0):
        fail(f"{where}: copy of {p!r} is not {a}")
    if task == "reverse" and a != number.group(0)[::-1]:
        fail(f"{where}: reverse of {p!r} is not {a}")
    if task == "weekday":
        day = next(i for i, name in enumerate(DAYS) if name in p)
        count = re.search(r"(\d+) days?\b", p)
        n = int(count.group(1)) if count else 1
        forward = ("after", "follows", "later", "forward", "plus", "tomorrow")
        sign = 1 if any(word in p for word in forward) else -1
        if a != DAYS[(day + sign * n) % 7]:
            fail(f"{where}: {p!r} is not {a}")
    if task == "echo":
        expr = p.split(": ", 1)[1]
        check_tree(parse(expr), where)
        if a != expr:
            fail(f"{where}: echo of {p!r} is not {a}")
    return None


STEP = re.compile(r"^Step (\d+): (\d+) (\+|-|\u00d7) (\d+)(?:: (.+), \2 \3 \4)? = (\d+)\.$")
CLAUSE = re.compile(r"^(\d+(?: (?:\+|-|\u00d7) \d+)+) = (\d+)$")


def check_columns(a, op, b, c, work, columns, where):
    """In a trace with column working (`--column-work`), a step with a
    multi-digit operand works it by columns first: clauses that are each true,
    the first giving the result's ones digit (its own tens are the carry) and
    the last its tens digit. Without it no step has any."""
    if columns and (a < 10 and b < 10) != (work is None):
        fail(f"{where}: column working {work!r} for {a} {op} {b}")
    if not columns and work is not None:
        fail(f"{where}: column working {work!r} in a trace without it")
    if work is None:
        return
    clauses = [CLAUSE.match(part) for part in work.split(", ")]
    if len(clauses) != 2 or not all(clauses):
        fail(f"{where}: malformed column working {work!r}")
    for m in clauses:
        if eval(m.group(1).replace("\u00d7", "*")) != int(m.group(2)):
            fail(f"{where}: false column clause {m.group(0)!r}")
    ones, tens = int(clauses[0].group(2)), int(clauses[1].group(2))
    if ones % 10 != c % 10 or tens != c // 10:
        fail(f"{where}: columns {work!r} do not give {c}")


def check_trace(prompt, response, where):
    m = re.match(r"^<think>\nThinking budget: (\d+) tokens\.\n", response)
    if not m:
        fail(f"{where}: no budget preamble")
    body, sep, final = response[m.end():].partition("\n</think>\n\nFinal answer: \\boxed{")
    if not sep or not final.endswith("}"):
        fail(f"{where}: no final answer")
    answer = final[:-1]
    lines = body.split("\n")
    if lines[-1] != f"So the answer is {answer}.":
        fail(f"{where}: last line {lines[-1]!r}")
    expr_match = EXPR.match(prompt)
    if expr_match:
        expr = expr_match.group(1)
        if lines[0] != f"Problem: {expr}":
            fail(f"{where}: trace does not restate the problem first")
        if str(check_tree(parse(expr), where)) != answer:
            fail(f"{where}: wrong final answer {answer}")
        steps = [STEP.match(l) for l in lines if l.startswith("Step ")]
        if len(steps) != operations(parse(expr)):
            fail(f"{where}: {len(steps)} steps")
        columns = any(s and s.group(5) for s in steps)
        for i, s in enumerate(steps, 1):
            if not s or int(s.group(1)) != i:
                fail(f"{where}: malformed step {i}")
            a, op, b, c = int(s.group(2)), s.group(3), int(s.group(4)), int(s.group(6))
            if {"+": a + b, "-": a - b, "\u00d7": a * b}[op] != c:
                fail(f"{where}: step {i} is wrong")
            check_columns(a, op, b, c, s.group(5), columns, f"{where}: step {i}")
        last_step = None
        for l in lines:  # a recomputation repeats the step before it, working and all
            if l.startswith("Step "):
                last_step = l.split(": ", 1)[1]
            for lead in ("Wait, let me recompute that. ", "Once more to be sure: "):
                if l.startswith(lead) and (last_step is None or l != f"{lead}{last_step[:-1]}. Yes."):
                    fail(f"{where}: {l!r} does not repeat the step before it ({last_step!r})")
        for l in lines:  # every restated expression has the problem's value
            for lead, end in (("Now: ", ""), ("Let me write it again: ", "."), ("So the expression is now ", ".")):
                if l.startswith(lead):
                    if not l.endswith(end):
                        fail(f"{where}: {l!r} does not end with {end!r}")
                    if check_tree(parse(l[len(lead):len(l) - len(end)]), where) != int(answer):
                        fail(f"{where}: {l!r} changed the value")


def main():
    problems_path, traces_path, direct_path = sys.argv[1:4]
    rows = 0
    for i, line in enumerate(open(problems_path, encoding="utf-8"), 1):
        check_problem(json.loads(line), f"{problems_path}:{i}")
        rows += 1
    for i, line in enumerate(open(traces_path, encoding="utf-8"), 1):
        r = json.loads(line)
        check_trace(r["prompt"], r["response"], f"{traces_path}:{i}")
        rows += 1
    for i, line in enumerate(open(direct_path, encoding="utf-8"), 1):
        r = json.loads(line)
        m = re.fullmatch(r"\\boxed\{(.+)\}", r["response"])
        if not m:
            fail(f"{direct_path}:{i}: response {r['response']!r} is not a boxed answer")
        e = EXPR.match(r["prompt"])
        if e and str(check_tree(parse(e.group(1)), f"{direct_path}:{i}")) != m.group(1):
            fail(f"{direct_path}:{i}: wrong direct answer")
        rows += 1
    print(f"ok {rows}")


if __name__ == "__main__":
    main()
