"""Run the Python code blocks of the documentation pages, page by page.

Each page's ```python blocks (including those indented inside admonitions) run in order
in one fresh namespace, in a temporary directory, with matplotlib's Agg backend. Blocks
marked ```py are sketches and are not run. Pages run in parallel, one process per core
(most of a page's time is compilation, which is single-threaded).

    python docs/check_snippets.py                    # every page
    python docs/check_snippets.py docs/contract.md   # some pages
"""

import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import textwrap
import time

DOCS = pathlib.Path(__file__).resolve().parent
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", flags=re.S | re.M)

RUNNER = """
import os, sys, traceback
import matplotlib
matplotlib.use("Agg")
blocks = {blocks!r}
namespace = {{"__name__": "__main__"}}
for i, code in enumerate(blocks):
    try:
        exec(compile(code, "{name}[block " + str(i) + "]", "exec"), namespace)
    except Exception:
        print("--- {name}, block", i, "failed:\\n" + code, file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""


def blocks(page: pathlib.Path) -> list[str]:
    return [textwrap.dedent(code) for _, code in BLOCK.findall(page.read_text())]


def run(page: pathlib.Path) -> tuple[str, int, bool, float]:
    """Run one page's blocks; (name, number of blocks, passed, seconds)."""
    code = blocks(page)
    name = page.relative_to(DOCS).as_posix() if page.is_relative_to(DOCS) else page.name
    if not code:
        return name, 0, True, 0.0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        script = RUNNER.format(blocks=code, name=name)
        result = subprocess.run([sys.executable, "-c", script], cwd=tmp, env=os.environ)
    return name, len(code), result.returncode == 0, time.perf_counter() - start


def main(pages: list[str]) -> int:
    paths = [pathlib.Path(p).resolve() for p in pages] or sorted(DOCS.rglob("*.md"))
    # Longest first (by the amount of code), so that the last pages to start are short.
    paths.sort(key=lambda p: -sum(map(len, blocks(p))))
    failed = []
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for name, n, passed, seconds in pool.map(run, paths):
            if n:
                status = "ok" if passed else "FAILED"
                print(f"{name}: {n} blocks {status} ({seconds:.0f} s)", flush=True)
            if not passed:
                failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
