"""Formulas: a small tokenizer, parser and evaluator (arithmetic, same-tab refs and a few functions)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .a1 import _endpoint
from .cells import _auto_number, _Err, _is_number, _num, _parse_number

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<ref>\$?[A-Za-z]{1,3}\$?\d+(?![A-Za-z0-9_(]))
    |(?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    |(?P<op><=|>=|<>|[-+*/^&=<>(),:%])""",
    re.X,
)
_NETWORK_FUNCS = {
    "IMPORTXML",
    "IMPORTHTML",
    "IMPORTDATA",
    "IMPORTFEED",
    "IMPORTRANGE",
    "GOOGLEFINANCE",
    "IMAGE",
}


class _ParseError(Exception):
    pass


class _FErr(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _tokenize(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise _ParseError(text[pos:])
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


class _FormulaParser:
    """Recursive descent over tokens, producing a tuple AST."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise _ParseError(op or "end")
        self.i += 1
        return tok

    def at(self, *ops: str) -> str | None:
        tok = self.peek()
        return tok[1] if tok and tok[0] == "op" and tok[1] in ops else None

    def parse(self) -> tuple:
        node = self.comparison()
        if self.peek() is not None:
            raise _ParseError("trailing")
        return node

    def _binary(self, ops: tuple[str, ...], sub: Callable[[], tuple]) -> tuple:
        node = sub()
        while (op := self.at(*ops)) is not None:
            self.i += 1
            node = ("bin", op, node, sub())
        return node

    def comparison(self) -> tuple:
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self) -> tuple:
        return self._binary(("&",), self.additive)

    def additive(self) -> tuple:
        return self._binary(("+", "-"), self.term)

    def term(self) -> tuple:
        return self._binary(("*", "/"), self.power)

    def power(self) -> tuple:
        return self._binary(("^",), self.unary)

    def unary(self) -> tuple:
        if (op := self.at("+", "-")) is not None:
            self.i += 1
            return ("neg", self.unary()) if op == "-" else ("pos", self.unary())
        node = self.primary()
        while self.at("%"):
            self.i += 1
            node = ("pct", node)
        return node

    def primary(self) -> tuple:
        kind, text = self.take()
        if kind == "num":
            return ("lit", float(text))
        if kind == "str":
            return ("lit", text[1:-1].replace('""', '"'))
        if kind == "ref":
            c, r = _endpoint(text)
            if self.at(":"):
                self.i += 1
                k2, t2 = self.take()
                if k2 != "ref":
                    raise _ParseError(t2)
                c2, r2 = _endpoint(t2)
                return ("range", min(r, r2), min(c, c2), max(r, r2), max(c, c2))  # type: ignore[type-var]
            return ("ref", r, c)
        if kind == "name":
            if self.at("("):
                self.i += 1
                args: list[tuple] = []
                if not self.at(")"):
                    args.append(self.comparison())
                    while self.at(","):
                        self.i += 1
                        args.append(self.comparison())
                self.take(")")
                return ("call", text.upper(), args)
            if text.upper() in ("TRUE", "FALSE"):
                return ("lit", text.upper() == "TRUE")
            return ("name", text)
        if (kind, text) == ("op", "("):
            node = self.comparison()
            self.take(")")
            return node
        raise _ParseError(text)


def _to_number(v: Any) -> float:
    if isinstance(v, _Err):
        raise _FErr(v)
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if _is_number(v):
        return float(v)
    parsed = _parse_number(str(v).strip())
    if parsed is None:
        raise _FErr("#VALUE!")
    return parsed[0]


def _to_text(v: Any) -> str:
    if isinstance(v, _Err):
        raise _FErr(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if _is_number(v):
        return _auto_number(v)
    return str(v)


def _to_bool(v: Any) -> bool:
    if isinstance(v, str) and not isinstance(v, _Err):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        raise _FErr("#VALUE!")
    return _to_number(v) != 0


class _Evaluator:
    def __init__(self, ref: Callable[[int, int], Any]) -> None:
        self.ref = ref

    def scalar(self, node: tuple) -> Any:
        v = self.eval(node)
        if isinstance(v, list):
            raise _FErr("#VALUE!")
        if isinstance(v, _Err):
            raise _FErr(v)
        return v

    def eval(self, node: tuple) -> Any:
        tag = node[0]
        if tag == "lit":
            return node[1]
        if tag == "ref":
            return self.ref(node[1], node[2])
        if tag == "range":
            _, r0, c0, r1, c1 = node
            return [self.ref(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        if tag == "name":
            raise _FErr("#NAME?")
        if tag == "neg":
            return -_to_number(self.scalar(node[1]))
        if tag == "pos":
            return self.scalar(node[1])
        if tag == "pct":
            return _to_number(self.scalar(node[1])) / 100
        if tag == "bin":
            return self.binary(node[1], self.scalar(node[2]), self.scalar(node[3]))
        if tag == "call":
            return self.call(node[1], node[2])
        raise _FErr("#ERROR!")

    def binary(self, op: str, a: Any, b: Any) -> Any:
        if op == "&":
            return _to_text(a) + _to_text(b)
        if op in ("=", "<>", "<", ">", "<=", ">="):
            if isinstance(a, str) and isinstance(b, str):
                x, y = a.lower(), b.lower()
            elif isinstance(a, str) != isinstance(b, str):
                x, y = (1, 0) if isinstance(a, str) else (0, 1)  # text sorts after numbers
            else:
                x, y = _to_number(a), _to_number(b)
            return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
        x, y = _to_number(a), _to_number(b)
        try:
            if op == "+":
                return x + y
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            if op == "/":
                if y == 0:
                    raise _FErr("#DIV/0!")
                return x / y
            return x**y
        except (OverflowError, ZeroDivisionError, ValueError):
            raise _FErr("#NUM!") from None

    def _numbers(self, args: list[tuple]) -> list[float]:
        out: list[float] = []
        for a in args:
            v = self.eval(a)
            if isinstance(v, list):
                for item in v:
                    if isinstance(item, _Err):
                        raise _FErr(item)
                    if _is_number(item):
                        out.append(float(item))
            else:
                out.append(_to_number(v))
        return out

    def call(self, name: str, args: list[tuple]) -> Any:
        n = len(args)
        if name == "SUM":
            return sum(self._numbers(args))
        if name in ("MIN", "MAX"):
            nums = self._numbers(args)
            return (min if name == "MIN" else max)(nums) if nums else 0.0
        if name == "AVERAGE":
            nums = self._numbers(args)
            if not nums:
                raise _FErr("#DIV/0!")
            return sum(nums) / len(nums)
        if name == "ROUND" and n in (1, 2):
            x = _to_number(self.scalar(args[0]))
            digits = int(_to_number(self.scalar(args[1]))) if n == 2 else 0
            scaled = abs(x) * 10**digits
            return math.copysign(math.floor(scaled + 0.5) / 10**digits, x)
        if name == "ABS" and n == 1:
            return abs(_to_number(self.scalar(args[0])))
        if name == "LEN" and n == 1:
            return float(len(_to_text(self.scalar(args[0]))))
        if name in ("UPPER", "LOWER") and n == 1:
            s = _to_text(self.scalar(args[0]))
            return s.upper() if name == "UPPER" else s.lower()
        if name == "CONCATENATE":
            return "".join(_to_text(self.scalar(a)) for a in args)
        if name == "IF" and n in (2, 3):
            if _to_bool(self.scalar(args[0])):
                return self.scalar(args[1])
            return self.scalar(args[2]) if n == 3 else False
        if name == "HYPERLINK" and n in (1, 2):
            return _to_text(self.scalar(args[1] if n == 2 else args[0]))
        if name in _NETWORK_FUNCS:
            raise _FErr("#N/A")
        raise _FErr("#NAME?")


def _evaluate_formula(formula: str, ref: Callable[[int, int], Any]) -> Any:
    try:
        ast = _FormulaParser(_tokenize(formula[1:])).parse()
    except (_ParseError, ValueError):
        return _Err("#ERROR!")
    try:
        v = _Evaluator(ref).eval(ast)
        if isinstance(v, list):
            v = v[0] if len(v) == 1 else _Err("#VALUE!")
    except _FErr as e:
        return _Err(e.code)
    except RecursionError:
        return _Err("#REF!")
    if v is None:
        return 0
    if isinstance(v, float):
        if not math.isfinite(v):
            return _Err("#NUM!")
        return _num(v)
    return v
