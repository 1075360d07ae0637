#!/usr/bin/env python3
"""Mutation testing of discgrad.h's implementation (dev only; Python 3 standard library).

Samples mutants of the IMPLEMENTATION section of discgrad.h (everything after
`#ifdef DISCGRAD_IMPLEMENTATION`), one change each, uniformly over every site where one of these
operators applies:

  arith    + <-> -, * <-> / between operands, and += <-> -=, *= <-> /=
  rel      < -> <=, <= -> <, > -> >=, >= -> >, == -> !=, != -> ==
  const    integer literal 0 <-> 1; a float literal times 1.01 (0.0 becomes 1.0)
  neg      a unary minus removed
  return   `return EXPR;` -> `return 0;` (EXPR not already 0 or DG_OK)

Comments, strings, preprocessor conditionals, #include and typedef lines are never mutated;
#define bodies are. Each mutant builds the test suite (one compiler, one optimisation level, the
test files copied next to the mutated header in a temporary directory) and runs it with
DGT_FAIL_FAST set and a limit on its CPU time. A mutant is killed when the suite builds and its
run fails, crashes or exceeds the limit; it is unbuildable when the compiler rejects it (not
counted). The fast build recompiles only the implementation (two translation units); its
survivors are built and run again as one unit (with the white-box tests), with -DDG_REAL=float,
and with the large limits of the test matrix (-DDG_MAX_DIM=4096 -DDG_MAX_K=2048); see
stages_for. A mutant that survives them is compiled by gcc in each configuration of CODE (the
implementation alone, every static function kept) and its object compared with the unmutated
one's: where only small limits, x87 math or AVX2 builds differ (code under the header's #if
for them), the suite is built and run natively in each of those (-DDG_MAX_DIM=40
-DDG_MAX_K=20, -mfpmath=387, -mavx2 -mfma); where no configuration differs, the mutant is
"dead here" (its code is not compiled on this machine, or the compiler proves it the same) and
is counted apart, like an unbuildable one.

Equivalent mutants (no test can tell them apart from the original) are listed in
tests/mutation-equivalent.txt, one per line, tab-separated:
    function <TAB> occurrence <TAB> original line(s) <TAB> mutated line(s) <TAB> reason
where function is the enclosing function (or "#define NAME"), the lines are stripped of
leading and trailing blanks (several lines joined by " | "), and occurrence counts the earlier
lines of the same function with the same text (0 for the first). No line numbers: the entries
survive edits elsewhere in the header. Listed mutants are not run (--run-equivalent runs them
and reports any that are killed, i.e. not equivalent after all) and are excluded from the score.

Score = killed / (killed + survived), over buildable mutants that are not listed as equivalent
and not dead here.
Prints the survivors with their function and line, a table per section of the header, and
writes a CSV (--csv). --min-score makes the exit status fail below that percentage (CI).

usage: tests/mutation.py [--seed N] [--count N] [--jobs N] [--cc clang] [--opt -O1]
                         [--csv build/mutation.csv] [--min-score 90] [--list] [--keep-going]
"""
import argparse
import concurrent.futures
import csv
import os
import random
import re
import resource
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "discgrad.h")
TESTS = os.path.join(ROOT, "tests")
EQUIV = os.path.join(TESTS, "mutation-equivalent.txt")

# --------------------------------------------------------------------------------------------
# Lexing the implementation section
# --------------------------------------------------------------------------------------------
OPERATORS = sorted("""<<= >>= -> ++ -- << >> <= >= == != && || += -= *= /= %= &= |= ^= ##
                      + - * / % < > = ! ~ & | ^ ? : ; , . ( ) [ ] { } #""".split(),
                   key=len, reverse=True)
KEYWORDS_BEFORE_UNARY = {"return", "case", "sizeof", "else", "do"}
BUILTIN_TYPES = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
                 "const", "volatile", "struct", "union", "enum", "size_t", "uint64_t",
                 "uint32_t", "int32_t", "int64_t", "uint8_t", "static", "inline", "restrict",
                 "DG__RESTRICT", "DG__INLINE", "DG__NOINLINE", "DGDEF", "extern"}
NUM_RE = re.compile(r"(0[xX][0-9a-fA-F]+[uUlL]*|(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?[fFlLuU]*)")
IDENT_RE = re.compile(r"[A-Za-z_]\w*")


class Tok:
    __slots__ = ("text", "start", "end", "kind", "macro")

    def __init__(self, text, start, end, kind, macro):
        self.text, self.start, self.end, self.kind, self.macro = text, start, end, kind, macro

    def __repr__(self):
        return "Tok(%r)" % self.text


def lex(src, begin, end):
    """Tokens of src[begin:end] outside comments, strings and non-#define directives. A token
    inside a #define body carries macro = the macro's name."""
    toks = []
    i = begin
    line_start = True
    macro = None          # name of the #define whose body we are in
    while i < end:
        c = src[i]
        if c == "\n":
            # a directive ends at a newline not escaped by a backslash
            if macro is not None and not src[i - 1] == "\\":
                macro = None
            # a continued #define's next line is still its body (# there is stringizing)
            line_start = macro is None
            i += 1
            continue
        if c in " \t\r\f\v" or (c == "\\" and i + 1 < end and src[i + 1] == "\n"):
            i += 1
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = j + 2
            continue
        if src.startswith("//", i):
            i = src.find("\n", i)
            continue
        if c == "#" and line_start:
            m = re.match(r"#\s*(\w+)", src[i:])
            directive = m.group(1) if m else ""
            if directive == "define":
                m2 = re.match(r"#\s*define\s+(\w+)(\([^)]*\))?", src[i:])
                macro = m2.group(1)
                i += m2.end()
                line_start = False
                continue
            # skip the whole directive with its continuations
            j = i
            while True:
                k = src.find("\n", j)
                if k < 0 or src[k - 1] != "\\":
                    break
                j = k + 1
            i = k if k >= 0 else end
            continue
        line_start = False
        if c == '"' or c == "'":
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            toks.append(Tok(src[i:j + 1], i, j + 1, "str", macro))
            i = j + 1
            continue
        m = IDENT_RE.match(src, i)
        if m:
            toks.append(Tok(m.group(0), i, m.end(), "id", macro))
            i = m.end()
            continue
        m = NUM_RE.match(src, i)
        if m:
            toks.append(Tok(m.group(0), i, m.end(), "num", macro))
            i = m.end()
            continue
        for op in OPERATORS:
            if src.startswith(op, i):
                toks.append(Tok(op, i, i + len(op), "op", macro))
                i += len(op)
                break
        else:
            raise SystemExit("mutation.py: cannot lex %r at offset %d" % (src[i:i + 20], i))
    return toks


def type_names(src):
    names = set(BUILTIN_TYPES)
    for m in re.finditer(r"typedef\b[^;{]*?(\w+)\s*;", src):
        names.add(m.group(1))
    for m in re.finditer(r"}\s*(\w+)\s*;", src):
        names.add(m.group(1))
    for m in re.finditer(r"typedef\s+\w[^;]*?\(\s*\*\s*(\w+)\s*\)", src):
        names.add(m.group(1))
    return names


def is_cast_close(toks, k, types):
    """toks[k] is ')': does it close a cast like (dg_real) or (const dg_real *)?"""
    depth, j = 0, k
    while j >= 0:
        if toks[j].text == ")":
            depth += 1
        elif toks[j].text == "(":
            depth -= 1
            if depth == 0:
                break
        j -= 1
    inner = toks[j + 1:k]
    return bool(inner) and all(t.text in types or t.text == "*" for t in inner) and \
        any(t.text in types for t in inner)


def operand_before(toks, k, types):
    """Is there an operand just before toks[k] (so a +, -, * there is binary)?"""
    if k == 0:
        return False
    p = toks[k - 1]
    if p.kind == "num":
        return True
    if p.kind == "id":
        return p.text not in KEYWORDS_BEFORE_UNARY and p.text not in types
    if p.text == "]":
        return True
    if p.text == ")":
        return not is_cast_close(toks, k - 1, types)
    return False


# --------------------------------------------------------------------------------------------
# Mutants
# --------------------------------------------------------------------------------------------
class Mutant:
    def __init__(self, start, end, repl, op):
        self.start, self.end, self.repl, self.op = start, end, repl, op
        self.line = self.function = self.section = None
        self.original = self.mutated = None
        self.occurrence = 0
        self.id = None
        self.status = None
        self.seconds = 0.0
        self.detail = ""

    def key(self):
        return (self.function, str(self.occurrence), self.original, self.mutated)


ARITH = {"+": "-", "-": "+", "*": "/", "/": "*", "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*="}
REL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}


def format_float(text):
    m = re.match(r"^([0-9.eE+-]+)([fFlL]*)$", text)
    body, suffix = m.group(1), m.group(2)
    v = float(body)
    if v == 0:
        return "1.0" + suffix
    r = repr(v * 1.01)
    if "." not in r and "e" not in r and "inf" not in r:
        r += ".0"
    return r + suffix


def enumerate_mutants(src, begin, end):
    toks = lex(src, begin, end)
    types = type_names(src)
    out = []
    for k, t in enumerate(toks):
        if t.kind == "op":
            if t.text in REL:
                # < > inside #include never reach here (directives are skipped)
                out.append(Mutant(t.start, t.end, REL[t.text], "rel"))
            elif t.text in ("+=", "-=", "*=", "/="):
                out.append(Mutant(t.start, t.end, ARITH[t.text], "arith"))
            elif t.text in ("+", "-", "*", "/"):
                binary = operand_before(toks, k, types)
                if binary:
                    out.append(Mutant(t.start, t.end, ARITH[t.text], "arith"))
                elif t.text == "-":
                    out.append(Mutant(t.start, t.end, "", "neg"))
        elif t.kind == "num":
            text = t.text
            if re.match(r"^0[xX]", text):
                continue
            if re.match(r"^[01][uUlL]*$", text):
                out.append(Mutant(t.start, t.end, ("1" if text[0] == "0" else "0") + text[1:],
                                  "const"))
            elif re.search(r"[.eE]", text):
                out.append(Mutant(t.start, t.end, format_float(text), "const"))
        elif t.kind == "id" and t.text == "return" and t.macro is None:
            depth, j = 0, k + 1
            while j < len(toks):
                x = toks[j].text
                if x in "([{":
                    depth += 1
                elif x in ")]}":
                    depth -= 1
                elif x == ";" and depth == 0:
                    break
                j += 1
            expr = src[t.end:toks[j].start].strip()
            if j == k + 1 or expr in ("0", "DG_OK", "(dg_real)0", "0.0"):
                continue
            out.append(Mutant(t.end, toks[j].start, " 0", "return"))
    return toks, out


def annotate(src, begin, toks, mutants):
    """Line, enclosing function, section, original and mutated text, occurrence."""
    line_starts = [0]
    for m in re.finditer("\n", src):
        line_starts.append(m.end())

    def line_of(off):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= off:
                lo = mid
            else:
                hi = mid - 1
        return lo  # 0-based

    lines = src.split("\n")
    # sections: a "/* ----" banner line, then the title on the next non-empty line
    section_at = {}
    current = "setup"
    first = line_of(begin)
    for i in range(first, len(lines)):
        if re.match(r"^/\* -{20,}", lines[i]):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            current = lines[j].strip()
        section_at[i] = current

    # functions: the name before the first '(' of a top-level declaration opened by '{'
    func_ranges = []  # (start_off, end_off, name)
    depth, decl = 0, []
    open_at, name = None, None
    for t in toks:
        if t.macro is not None:
            continue
        if depth == 0:
            if t.text == "}":  # the end of extern "C" {
                continue
            if t.text == "{" and [x.text for x in decl] == ["extern", '"C"']:
                decl = []
                continue
            if t.text == "{":
                words = [x.text for x in decl]
                nm = None
                if "=" not in words and "enum" not in words and "struct" not in words:
                    for a, b in zip(decl, decl[1:]):
                        if a.kind == "id" and b.text == "(" and a.text not in BUILTIN_TYPES:
                            nm = a.text
                            break
                name = nm or "<file scope>"
                open_at = t.start
                depth = 1
                decl = []
                continue
            if t.text == ";":
                decl = []
            else:
                decl.append(t)
            continue
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
            if depth == 0:
                func_ranges.append((open_at, t.end, name))

    def function_of(off, macro):
        if macro:
            return "#define " + macro
        for a, b, nm in func_ranges:
            if a <= off < b:
                return nm
        return "<file scope>"

    tok_by_start = {t.start: t for t in toks}
    for m in mutants:
        first_line = line_of(m.start)
        last_line = line_of(max(m.start, m.end - 1)) if m.end > m.start else first_line
        t = tok_by_start.get(m.start)
        macro = t.macro if t is not None else None
        if m.op == "return":
            rt = [x for x in toks if x.end == m.start]
            macro = rt[0].macro if rt else None
        m.line = first_line + 1
        m.section = section_at.get(first_line, "setup")
        m.function = function_of(m.start, macro)
        a = line_starts[first_line]
        b = line_starts[last_line + 1] - 1 if last_line + 1 < len(line_starts) else len(src)
        orig = src[a:b]
        mut = src[a:m.start] + m.repl + src[m.end:b]
        m.original = " | ".join(x.strip() for x in orig.split("\n"))
        m.mutated = " | ".join(x.strip() for x in mut.split("\n"))

    # compile-time checks are not code
    mutants[:] = [m for m in mutants if not m.original.startswith("typedef")]

    # occurrence: earlier lines of the same function with the same text
    seen = {}
    line_text_count = {}
    for m in sorted(mutants, key=lambda x: x.start):
        k = (m.function, m.original)
        if (k, m.line) not in seen:
            seen[(k, m.line)] = line_text_count.get(k, 0)
            line_text_count[k] = line_text_count.get(k, 0) + 1
        m.occurrence = seen[(k, m.line)]


def implementation_bounds(src):
    m = re.search(r"^#ifdef DISCGRAD_IMPLEMENTATION\b.*$", src, re.M)
    e = re.search(r"^#endif /\* DISCGRAD_IMPLEMENTATION \*/", src, re.M)
    if not m or not e:
        raise SystemExit("mutation.py: no implementation section in discgrad.h")
    return m.end(), e.start()


def load_equivalents(path):
    eq = {}
    if not os.path.exists(path):
        return eq
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            # comments: "#" then a blank or nothing ("#define NAME" names a macro's mutants)
            if not line.strip() or line.startswith("# ") or line.rstrip("\n") == "#":
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or not parts[4].strip():
                raise SystemExit("%s:%d: want 5 tab-separated fields with a reason" % (path, n))
            eq[tuple(parts[:4])] = (parts[4], n)
    return eq


# --------------------------------------------------------------------------------------------
# Building and running
# --------------------------------------------------------------------------------------------
# Child processes in flight, each in its own process group, so that an interrupted campaign
# stops them rather than leaving builds and runs behind.
RUNNING = set()
RUNNING_LOCK = threading.Lock()


def start(cmd, **kw):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True, **kw)
    with RUNNING_LOCK:
        RUNNING.add(p)
    return p


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    p.communicate()


def forget(p):
    with RUNNING_LOCK:
        RUNNING.discard(p)


def on_signal(signum, frame):
    with RUNNING_LOCK:
        for p in list(RUNNING):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
    raise KeyboardInterrupt


class Workspace:
    """A temporary copy of the test sources next to a header of our choosing."""

    def __init__(self, base, index, tests):
        self.dir = os.path.join(base, "w%s" % index)
        os.makedirs(os.path.join(self.dir, "tests"))
        for name in os.listdir(tests):
            if name.endswith((".c", ".h")):
                shutil.copy(os.path.join(tests, name), os.path.join(self.dir, "tests", name))

    def compile(self, cmd, timeout):
        p = start(cmd)
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(p)
            return "build timed out"
        finally:
            forget(p)
        if p.returncode != 0:
            return out.decode(errors="replace").strip().split("\n")[0][:200] or "build failed"
        return ""

    def build(self, header_text, args, stage, timeout):
        """Builds the suite against header_text for a stage (name, flags, two_units). A
        two-unit stage compiles only tests/impl.c against the header and links it with the
        test files compiled once (-DDGT_SEPARATE_IMPL: all but the white-box tests)."""
        name, flags, two_units = stage[:3]
        cc = stage[3] if len(stage) > 3 else args.cc
        with open(os.path.join(self.dir, "discgrad.h"), "w", encoding="utf-8") as f:
            f.write(header_text)
        exe = os.path.join(self.dir, "suite")
        if os.path.exists(exe):
            os.remove(exe)
        base = [cc, "-std=c99", args.opt, "-w"] + flags
        tests = os.path.join(self.dir, "tests")
        if not two_units:
            err = self.compile(base + [os.path.join(tests, "all.c"), "-o", exe, "-lm"], timeout)
            return (None, err) if err else (exe, "")
        obj = os.path.join(self.dir, "tests-%s.o" % name)
        if not os.path.exists(obj):  # the first build of a workspace: the unmutated header
            err = self.compile(base + ["-DDGT_SEPARATE_IMPL", "-c", os.path.join(tests, "all.c"),
                                       "-o", obj], timeout)
            if err:
                return None, err
        impl = os.path.join(self.dir, "impl.o")
        err = self.compile(base + ["-c", os.path.join(tests, "impl.c"), "-o", impl], timeout) or \
            self.compile([cc, obj, impl, "-o", exe, "-lm"], timeout)
        return (None, err) if err else (exe, "")

    def code(self, header_text, config, timeout):
        """The object code of the implementation against header_text in one configuration of
        CODE (gcc, every static and inline function kept, so the white-box tests' helpers
        count), or None when it does not build."""
        name, flags = config
        with open(os.path.join(self.dir, "discgrad.h"), "w", encoding="utf-8") as f:
            f.write(header_text)
        obj = os.path.join(self.dir, "code-%s.o" % name)
        if os.path.exists(obj):
            os.remove(obj)
        err = self.compile(["gcc", "-std=c99", "-O1", "-w", "-fkeep-static-functions",
                            "-fkeep-inline-functions"] + flags +
                           ["-c", os.path.join(self.dir, "tests", "impl.c"), "-o", obj], timeout)
        if err:
            return None
        with open(obj, "rb") as f:
            return f.read()

    def run(self, exe, cpu_limit):
        """Runs the suite with a limit on its CPU time (not wall time, which depends on what
        else the machine runs): a mutant that loops is stopped by SIGXCPU."""
        env = dict(os.environ, DGT_FAIL_FAST="1",
                   ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1",
                   UBSAN_OPTIONS="halt_on_error=1")
        env.pop("DGT_TIMES", None)
        limit = int(cpu_limit) + 1

        def set_limit():
            resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))

        try:
            p = start([exe], env=env, cwd=self.dir, preexec_fn=set_limit)
        except OSError as err:
            return "killed", "could not run: %s" % err
        try:
            out, _ = p.communicate(timeout=20 * limit + 300)  # a backstop only
        except subprocess.TimeoutExpired:
            stop(p)
            return "killed", "wall-clock backstop"
        finally:
            forget(p)
        if p.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            return "killed", "timeout (CPU limit %d s)" % limit
        text = out.decode(errors="replace")
        if p.returncode == 0 and re.search(r": \d+ passed, 0 failed\s*$", text):
            return "survived", ""
        fails = re.findall(r"^FAIL (\S+)$", text, re.M)
        if fails:
            return "killed", fails[0]
        return "killed", "exit %d" % p.returncode


# The builds of a mutant, in order, until one kills it: (name, flags, two_units). The fast one
# recompiles only the implementation (two translation units, the test files compiled once per
# workspace), so it runs every test but the white-box ones; its survivors get the one-unit
# build with those, then -DDG_REAL=float, then the large limits of the test matrix (several
# groups of rows, rows of 2048 classes). Mutants of the float kernels (functions named *f32* or
# *32*), dead code in a double build, take the float build first. --sanitize adds the suite
# under AddressSanitizer and UndefinedBehaviorSanitizer (make sanitize's build), which sees writes
# one past a local array that leave every value the tests read unchanged.
FAST = ("fast", [], True)
RERUNS = [("1tu", [], False),
          ("float", ["-DDG_REAL=float"], False),
          ("bigdim", ["-DDG_MAX_DIM=4096", "-DDG_MAX_K=2048"], False)]
SANITIZE = ("sanitize", ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                         "-fno-omit-frame-pointer"], False)


# The configurations whose object code tells whether a survivor changes anything: the stages'
# (double, float, large limits) and those this machine runs natively although the stages do not
# build them: small limits (DG_MAX_DIM < 256, whose blocks are smaller), x87 math
# (FLT_EVAL_METHOD 2, the header's excess-precision path) and AVX2 (the vectorised double
# kernels, DG__VECTOR_F64). EXTRA: the stages that run the latter.
SMALL = ["-DDG_MAX_DIM=40", "-DDG_MAX_K=20"]
CODE = [("double", []), ("float", ["-DDG_REAL=float"]),
        ("bigdim", ["-DDG_MAX_DIM=4096", "-DDG_MAX_K=2048"]), ("smalldim", SMALL),
        ("x87", ["-mfpmath=387"]), ("x87-float", ["-mfpmath=387", "-DDG_REAL=float"]),
        ("avx2", ["-mavx2", "-mfma"])]
EXTRA = {"smalldim": ("smalldim", SMALL, False, "gcc"),
         "x87": ("x87", ["-mfpmath=387"], False, "gcc"),
         "x87-float": ("x87-float", ["-mfpmath=387", "-DDG_REAL=float"], False, "gcc"),
         "avx2": ("avx2", ["-mavx2", "-mfma"], False, "gcc")}


def stages_for(m):
    stages = [FAST] + RERUNS
    if "32" in m.function:
        stages = [RERUNS[1], FAST, RERUNS[0]] + RERUNS[2:]
    return stages


def mutate_text(src, m):
    return src[:m.start] + m.repl + src[m.end:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=400, help="mutants sampled (0: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cc", default="clang")
    ap.add_argument("--opt", default="-O1")
    ap.add_argument("--csv", default=os.path.join(ROOT, "build", "mutation.csv"))
    ap.add_argument("--min-score", type=float, default=None,
                    help="exit 1 when the score (percent) is below this")
    ap.add_argument("--timeout", type=float, default=None,
                    help="CPU seconds per run (default: 4 x the unmutated run's, at least 30)")
    ap.add_argument("--sanitize", action="store_true",
                    help="survivors also run under ASan + UBSan (scored apart: killed-sanitize)")
    ap.add_argument("--tests", default=TESTS,
                    help="directory of the test sources (default tests/; e.g. an older suite's, "
                         "to compare scores on the same mutants)")
    ap.add_argument("--rescore", default=None, metavar="CSV",
                    help="no runs: the report of an earlier run's CSV, with the equivalent list "
                         "as it is now and the rows of --merge CSVs (later runs of some of the "
                         "same mutants, e.g. --ids of survivors) taking precedence")
    ap.add_argument("--merge", action="append", default=[], metavar="CSV")
    ap.add_argument("--list", action="store_true", help="print the sampled mutants and stop")
    ap.add_argument("--run-equivalent", action="store_true",
                    help="run listed equivalent mutants too, to check the list")
    ap.add_argument("--section", default=None, help="sample only from sections matching this")
    ap.add_argument("--function", default=None, help="sample only from functions matching this")
    ap.add_argument("--ids", default=None,
                    help="run these mutants instead of a sample: ids separated by commas, or "
                         "@FILE.csv for the survivors of an earlier run (ids hold while the "
                         "implementation section is unchanged)")
    args = ap.parse_args()
    if args.sanitize:
        RERUNS.append(SANITIZE)

    with open(HEADER, encoding="utf-8") as f:
        src = f.read()
    begin, end = implementation_bounds(src)
    toks, mutants = enumerate_mutants(src, begin, end)
    annotate(src, begin, toks, mutants)
    for i, m in enumerate(mutants):
        m.id = i
    equivalents = load_equivalents(EQUIV)
    all_keys = {m.key() for m in mutants}
    stale = [(v[1], k) for k, v in equivalents.items() if k not in all_keys]

    if args.rescore:
        return rescore(args, mutants, equivalents)

    pool = mutants
    if args.section:
        pool = [m for m in pool if re.search(args.section, m.section)]
    if args.function:
        pool = [m for m in pool if re.search(args.function, m.function)]
    rng = random.Random(args.seed)
    sample = list(pool) if args.count <= 0 or args.count >= len(pool) else \
        rng.sample(pool, args.count)
    if args.ids:
        if args.ids.startswith("@"):
            with open(args.ids[1:], newline="", encoding="utf-8") as f:
                wanted = {int(r["id"]) for r in csv.DictReader(f) if r["status"] == "survived"}
        else:
            wanted = {int(x) for x in args.ids.split(",") if x.strip()}
        sample = [m for m in mutants if m.id in wanted]
    sample.sort(key=lambda m: m.start)
    print("mutation.py: %d mutation sites in the implementation, %d sampled (seed %d); "
          "%d listed equivalent (%d of them match nothing in the header now)"
          % (len(mutants), len(sample), args.seed, len(equivalents), len(stale)))
    for n, k in sorted(stale):
        print("  stale entry, %s line %d: %s" % (os.path.basename(EQUIV), n, " / ".join(k)))
    if args.list:
        for m in sample:
            print("%5d %-6s %5d %-28s %s  ->  %s" % (m.id, m.op, m.line, m.function,
                                                      m.original, m.mutated))
        return 0

    base = tempfile.mkdtemp(prefix="dg-mutation-")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        rc = campaign(args, src, sample, equivalents, base)
    except KeyboardInterrupt:
        print("mutation.py: interrupted")
        shutil.rmtree(base, ignore_errors=True)
        os._exit(130)  # worker threads may still be waiting on the killed children
    shutil.rmtree(base, ignore_errors=True)
    return rc


def rescore(args, mutants, equivalents):
    by_id = {m.id: m for m in mutants}
    rows = {}
    for path in [args.rescore] + args.merge:
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                rows[int(r["id"])] = r
    sample = []
    for i, r in sorted(rows.items()):
        m = by_id.get(i)
        if m is None or m.mutated != r["mutated"]:
            print("mutation.py: mutant %d of the CSV is not in the header any more" % i)
            return 2
        m.status, m.detail, m.seconds = r["status"], r["detail"], float(r["seconds"])
        listed = equivalents.get(m.key())
        if listed and m.status in ("survived", "equivalent"):
            m.status, m.detail = "equivalent", listed[0]
        elif m.status == "equivalent":  # listed then, not now
            m.status, m.detail = "survived", "no longer on the equivalent list"
        sample.append(m)
    args.csv = os.path.join(os.path.dirname(os.path.abspath(args.rescore)),
                            "rescored-" + os.path.basename(args.rescore))
    return report(args, sample)


def campaign(args, src, sample, equivalents, base):
    # the unmutated suite must build and pass in every stage; the CPU time of its slowest run
    # sets the limit per run
    ws0 = Workspace(base, 0, args.tests)
    stages = [FAST] + RERUNS
    run_cpu = []
    t0 = time.time()
    for stage in stages:
        exe, err = ws0.build(src, args, stage, 3600)
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        status, detail = ws0.run(exe, 3600) if exe else ("killed", err)
        run_cpu.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu0)
        if status != "survived":
            print("mutation.py: the unmutated suite fails in the %s build (%s)" % (stage[0], detail))
            return 2
    timeout = args.timeout or max(30.0, 4 * max(run_cpu))
    build_timeout = 3600  # compilers do not loop; only a starved machine is this slow
    print("mutation.py: unmutated suite: builds and runs %.0f s; runs %s s of CPU (%s); "
          "limit per run %.0f s of CPU; %s %s, %d jobs" % (
              time.time() - t0, ", ".join("%.1f" % c for c in run_cpu),
              ", ".join(st[0] for st in stages), timeout, args.cc, args.opt, args.jobs))

    free = list(range(1, args.jobs + 1))
    spaces = {i: Workspace(base, i, args.tests) for i in free}
    for ws in spaces.values():  # the test files' object of the fast build, compiled once
        exe, err = ws.build(src, args, FAST, 3600)
        if not exe:
            print("mutation.py: the unmutated suite does not build: " + err)
            return 2
    lock = threading.Lock()
    done = [0]
    # the unmutated object code of each CODE configuration, and whether the unmutated suite
    # passes in each EXTRA stage (with that stage's limit per run), found when first needed
    code0 = {}
    extra0 = {}
    extra_lock = threading.Lock()

    def extra_limit(name):
        with extra_lock:
            if name not in extra0:
                ws = Workspace(base, "x" + name, args.tests)
                exe, err = ws.build(src, args, EXTRA[name], build_timeout)
                cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                status, detail = ws.run(exe, 3600) if exe else ("killed", err)
                cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu0
                extra0[name] = max(timeout, 4 * cpu) if status == "survived" else None
                if status != "survived":
                    print("mutation.py: the unmutated suite fails in the %s build (%s); its "
                          "mutants are reported as survivors" % (name, detail), flush=True)
            return extra0[name]

    def changed_code(text, ws):
        """The CODE configurations in which the mutated header compiles to other code."""
        changed = []
        for config in CODE:
            with extra_lock:
                if config[0] not in code0:
                    code0[config[0]] = ws.code(src, config, build_timeout)
            if ws.code(text, config, build_timeout) != code0[config[0]]:
                changed.append(config[0])
        return changed

    def classify(m, ws):
        text = mutate_text(src, m)
        note = ""
        for i, stage in enumerate(stages_for(m)):
            exe, err = ws.build(text, args, stage, build_timeout)
            if not exe:
                if i == 0:
                    return "unbuildable", err
                note = "%s build fails: %s" % (stage[0], err)  # nothing more to learn there
                continue
            status, detail = ws.run(exe, timeout)
            if status == "killed":
                return ("killed" if stage is FAST else "killed-" + stage[0]), detail
        changed = changed_code(text, ws)
        if not changed:
            return "dead", "the same object code in every configuration (%s)" % ", ".join(
                c[0] for c in CODE)
        # code the stages above built and ran is not run again; code only the other
        # configurations compile is
        for name in changed if not [c for c in changed if c not in EXTRA] else []:
            if not extra_limit(name):
                continue
            exe, err = ws.build(text, args, EXTRA[name], build_timeout)
            if not exe:
                continue
            status, detail = ws.run(exe, extra_limit(name))
            if status == "killed":
                return "killed-" + name, detail
        return "survived", (note + "; " if note else "") + "code differs in " + ", ".join(changed)

    def work(m):
        with lock:
            slot = free.pop()
        ws = spaces[slot]
        t = time.time()
        try:
            listed = equivalents.get(m.key())
            if listed and not args.run_equivalent:
                m.status, m.detail = "equivalent", listed[0]
                return m
            m.status, m.detail = classify(m, ws)
            if listed:  # --run-equivalent: check the entry
                if m.status == "survived":
                    m.status, m.detail = "equivalent", "listed: " + listed[0]
                else:
                    m.detail = "LISTED EQUIVALENT (line %d of the list) BUT %s: %s" % (
                        listed[1], m.status.upper(), m.detail)
            return m
        finally:
            m.seconds = time.time() - t
            with lock:
                free.append(slot)
                done[0] += 1
                print("[%3d/%d] %-12s %5d %-26s %s%s" % (
                    done[0], len(sample), m.status, m.line, m.function[:26], m.mutated[:70],
                    ("  (" + m.detail + ")") if m.detail and m.status != "killed" else ""),
                    flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        list(ex.map(work, sample))

    return report(args, sample)


def report(args, sample):
    counts = {}
    for m in sample:
        counts[m.status] = counts.get(m.status, 0) + 1
    killed = sum(v for k, v in counts.items() if k.startswith("killed"))
    survived = counts.get("survived", 0)
    scored = killed + survived
    score = 100.0 * killed / scored if scored else 100.0

    print("\nper section (killed / scored, then equivalent, dead here and unbuildable):")
    sections = []
    for m in sample:
        if m.section not in sections:
            sections.append(m.section)
    for s in sections:
        ms = [m for m in sample if m.section == s]
        k = sum(m.status.startswith("killed") for m in ms)
        sv = sum(m.status == "survived" for m in ms)
        print("  %-28s %4d / %-4d %6.1f%%   equivalent %d, dead %d, unbuildable %d" % (
            s, k, k + sv, 100.0 * k / (k + sv) if k + sv else 100.0,
            sum(m.status == "equivalent" for m in ms), sum(m.status == "dead" for m in ms),
            sum(m.status == "unbuildable" for m in ms)))

    survivors = [m for m in sample if m.status == "survived"]
    if survivors:
        print("\nsurvivors (add a test, or list them in tests/mutation-equivalent.txt with a reason):")
        for m in survivors:
            print("  line %d, %s [%s]\n      %s\n   -> %s" % (m.line, m.function, m.op,
                                                           m.original, m.mutated))
            print("      equivalent-list entry: %s\t%d\t%s\t%s\t<reason>" % (
                m.function, m.occurrence, m.original, m.mutated))

    stale = [m for m in sample if m.detail.startswith("LISTED EQUIVALENT")]
    if stale:
        print("\nlisted as equivalent but killed (remove them from the list):")
        for m in stale:
            print("  line %d, %s: %s" % (m.line, m.function, m.detail))

    os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
    with open(args.csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "status", "section", "function", "line", "operator", "original",
                    "mutated", "detail", "seconds"])
        for m in sample:
            w.writerow([m.id, m.status, m.section, m.function, m.line, m.op, m.original,
                        m.mutated, m.detail, "%.1f" % m.seconds])

    dead = [m for m in sample if m.status == "dead"]
    if dead:
        print("\ndead here (the same object code in every configuration; not scored):")
        for m in dead:
            print("  line %d, %s: %s" % (m.line, m.function, m.mutated))

    print("\nmutation score %.1f%%: %d killed (%d by the fast build, %s), %d survived; "
          "%d equivalent, %d dead here, %d unbuildable; seed %d, %d mutants; CSV %s" % (
              score, killed, counts.get("killed", 0),
              ", ".join("%d by the %s build" % (counts.get("killed-" + st, 0), st)
                        for st in [r[0] for r in RERUNS] + list(EXTRA)), survived,
              counts.get("equivalent", 0), counts.get("dead", 0),
              counts.get("unbuildable", 0), args.seed,
              len(sample), os.path.relpath(args.csv, ROOT)))
    if args.min_score is not None and score < args.min_score:
        print("mutation.py: score %.1f%% is below %.1f%%" % (score, args.min_score))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
