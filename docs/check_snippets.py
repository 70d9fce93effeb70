"""Run the Python code blocks of the documentation pages, page by page.

Each page's ```python blocks (including those indented inside admonitions) run in order
in one fresh namespace, in a temporary directory, with matplotlib's Agg backend. Blocks
marked ```py are sketches and are not run. Pages run in parallel, one process per core,
each forked from a process that has imported dynax once (`.ci/forked.py`).

    python docs/check_snippets.py                    # every page
    python docs/check_snippets.py docs/contract.md   # some pages
"""

import pathlib
import re
import sys
import textwrap
import traceback

DOCS = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / ".ci"))
from forked import compile_unoptimised, map_forked  # noqa: E402  (imports dynax, once)

BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", flags=re.S | re.M)


def blocks(page: pathlib.Path) -> list[str]:
    return [textwrap.dedent(code) for _, code in BLOCK.findall(page.read_text())]


def name_of(page: pathlib.Path) -> str:
    return page.relative_to(DOCS).as_posix() if page.is_relative_to(DOCS) else page.name


# Pages whose blocks are long simulations, compiled with LLVM's optimisations; the others
# without, as the quick test suite (`.ci/forked.py`).
OPTIMISED = {"getting-started.md"}


def run(page: pathlib.Path) -> None:
    """Run one page's blocks in order, in one namespace."""
    if name_of(page) not in OPTIMISED:
        compile_unoptimised()
    namespace = {"__name__": "__main__"}
    for i, code in enumerate(blocks(page)):
        try:
            exec(compile(code, f"{name_of(page)}[block {i}]", "exec"), namespace)
        except Exception:
            print(f"--- {name_of(page)}, block {i} failed:\n{code}", file=sys.stderr)
            traceback.print_exc()
            sys.exit(1)


def main(pages: list[str]) -> int:
    paths = [pathlib.Path(p).resolve() for p in pages] or sorted(DOCS.rglob("*.md"))
    paths = [p for p in paths if blocks(p)]
    # Longest first (by the amount of code), so that the last pages to start are short.
    paths.sort(key=lambda p: -sum(map(len, blocks(p))))
    failed = []
    for page, passed, seconds, cpu, output in map_forked(run, paths):
        print(output, end="")
        status = "ok" if passed else "FAILED"
        times = f"{seconds:.0f} s, {cpu:.0f} s CPU"
        print(f"{name_of(page)}: {len(blocks(page))} blocks {status} ({times})", flush=True)
        if not passed:
            failed.append(page)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
