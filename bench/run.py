"""graphsync's benchmarks: `python bench/run.py [--quick] [--json] [NAME ...]`.

Each `bench/bench_<name>.py` exposes `run(*, quick: bool) -> dict[str, object]` returning its figures
(numbers, or nested dicts of numbers). This runner prints them readably, or, with --json, prints one JSON
object holding every figure: `{"<name>": {...}, ...}`. Benchmarks print numbers; they never fail a build
on a timing (tests assert behaviour, not speed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def show(figures: dict[str, object], indent: str = "  ") -> None:
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            show(value, indent + "  ")
        elif isinstance(value, float):
            print(f"{indent}{key}: {value:,.3f}")
        else:
            print(f"{indent}{key}: {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes at most (CI)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    found = discover()
    unknown = [n for n in args.names if n not in found]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(found)}")
    results: dict[str, object] = {}
    for name in args.names or list(found):
        started = time.perf_counter()
        figures = load(found[name]).run(quick=args.quick)
        figures["wall_seconds"] = round(time.perf_counter() - started, 3)
        results[name] = figures
        if not args.json:
            print(f"{name}:")
            show(figures)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
