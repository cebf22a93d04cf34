"""Whatever a spreadsheet writes, the stream reads back: values and starting lines."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cauce.connectors.csv import connector
from cauce.sdk import LINE_FIELD

# No lone "\r": csv.writer leaves it unquoted under a "\n" line terminator, where no
# reader could tell it from a line ending.
cells = st.text(
    alphabet=st.sampled_from(list("abc xyz,;\t\"'\n€ñÑáé0123456789.")), min_size=0, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=15),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    line_ending=st.sampled_from(["\n", "\r\n"]),
)
def test_any_written_file_reads_back_with_the_line_each_row_starts_on(
    rows: list[list[str]], delimiter: str, encoding: str, line_ending: str
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending)
    header = ["email", "name", "city"]
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(row)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "data.csv").write_bytes(buffer.getvalue().encode(encoding))
        stream = connector.connect({"directory": folder}).stream("data", {"delimiter": delimiter})
        records = list(stream.read({}))
    expected = [
        {**{h: (v or None) for h, v in zip(header, row, strict=True)}, LINE_FIELD: line}
        for row, line in zip(rows, starts, strict=True)
    ]
    assert records == expected
