"""Files as school offices make them, each folder with the script that writes them
(`make.py`) and the table of what an import must make of them (`expected.csv`)."""

import csv
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).parent


def expected_by_file(folder: str) -> dict[str, list[dict[str, str]]]:
    """The lines of `<folder>/expected.csv`, grouped by their `file` column."""
    by_file: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (DATA / folder / "expected.csv").open(encoding="utf-8", newline="") as table:
        for line in csv.DictReader(table):
            by_file[line["file"]].append(line)
    return by_file
