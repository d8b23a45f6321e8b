"""CSV text of a table, fast: ``DataFrame.to_csv(index=False)`` to the character.

pandas formats every cell in Python (0.6 s for the 180,000-row overlap table of 100,000
parcels); ``pyarrow.csv.write_csv`` does it in C++ in a tenth of that. The two do not
write the same text, so this module gives arrow cells that already read as pandas
writes them:

- floats: arrow's shortest round-trip digits, which are Python's ``repr`` digits, moved
  into Python's form where the two differ (an exponent below 1e-4, two exponent digits,
  ``.0`` after an integral value; ``repr`` itself for the few values from 1e-4 to 1e16
  that arrow writes with an exponent, e.g. 9.9e+14); missing values are empty;
- integers as digits, booleans as ``True``/``False``, text as it is;
- the header row by Python's :mod:`csv` module, as pandas writes it.

A table this cannot render the same way — text that CSV must quote (a comma, quote or
line break), columns of other types, a single column — is written by pandas. Callers
defuse spreadsheet formulas first (:func:`geo.tables.defuse_formulas`), as before.
"""

from __future__ import annotations

import csv
import io
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped,unused-ignore]

_NEEDS_QUOTES: Final = '[,"\r\n]'
_REPR_BELOW: Final = 1e-4  # Python writes an exponent below this, arrow only below 1e-6
_POSITIONAL_DOWN_TO: Final = 1e-6
_REPR_FROM: Final = 1e16  # Python writes an exponent from here


def _small_as_exponent(text: pa.Array) -> pa.Array:
    """Arrow's positional form of a value below 1e-4 (``-0.0000793``) in Python's
    exponent form (``-7.93e-05``): the same digits, moved."""
    parts = pc.extract_regex(text, r"^(?P<sign>-?)0\.(?P<zeros>0*)(?P<lead>\d)(?P<rest>\d*)$")
    rest = pc.struct_field(parts, "rest")
    fraction = pc.if_else(
        pc.equal(pc.utf8_length(rest), 0), "", pc.binary_join_element_wise(".", rest, "")
    )
    exponent = pc.add(pc.utf8_length(pc.struct_field(parts, "zeros")), 1)
    digits = pc.utf8_lpad(pc.cast(exponent, pa.string()), width=2, padding="0")
    sign, lead = pc.struct_field(parts, "sign"), pc.struct_field(parts, "lead")
    return pc.binary_join_element_wise(sign, lead, fraction, "e-", digits, "")


def _float_cells(values: np.ndarray) -> pa.Array:
    text = pc.cast(pa.array(values, from_pandas=True), pa.string())
    magnitude = np.abs(values)
    with np.errstate(invalid="ignore"):
        positional = magnitude < _REPR_FROM  # Python writes all the digits (or 0 < x < 1e-4)
        small = (magnitude < _REPR_BELOW) & (magnitude > 0)
        integral = positional & (values == np.trunc(values))
    exponent = pc.fill_null(pc.match_substring(text, "e"), False).to_numpy(zero_copy_only=False)
    # Below 1e-4 Python writes an exponent: arrow's positional form is moved into it, and
    # arrow's one-digit exponents (2.5e-7) get Python's two (2.5e-07).
    moved = np.flatnonzero(small & ~exponent)
    if len(moved):
        text = pc.replace_with_mask(
            text, pa.array(small & ~exponent), _small_as_exponent(text.take(pa.array(moved)))
        )
    padded = np.flatnonzero(small & exponent)
    if len(padded):
        fixed = pc.replace_substring_regex(
            text.take(pa.array(padded)),
            r"e([-+])(\d)$",
            r"e\10\2",  # RE2: \1, then 0
        )
        text = pc.replace_with_mask(text, pa.array(small & exponent), fixed)
    # From 1e-4 to 1e16 Python writes all the digits, where arrow may not (9.9e+14).
    odd = exponent & ~small
    if odd.any():
        text = pc.replace_with_mask(
            text, pa.array(odd), pa.array([repr(float(v)) for v in values[odd]], pa.string())
        )
    bare = integral & ~exponent
    if bare.any():  # arrow writes 1 and -0, Python 1.0 and -0.0
        dotted = pc.binary_join_element_wise(text.filter(pa.array(bare)), ".0", "")
        text = pc.replace_with_mask(text, pa.array(bare), dotted)
    return text


def _cells(column: pd.Series) -> pa.Array | None:
    """The column as arrow text cells written as pandas writes them, or None."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) and dtype == np.bool_:
        return pa.array(np.where(column.to_numpy(), "True", "False"), type=pa.string())
    if pd.api.types.is_float_dtype(dtype) and dtype == np.float64:
        return _float_cells(column.to_numpy())
    if pd.api.types.is_integer_dtype(dtype) and isinstance(dtype, np.dtype):
        return pc.cast(pa.array(column.to_numpy()), pa.string())
    text_dtype = pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
    if text_dtype and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        text = pa.array(column.to_numpy(), type=pa.string(), from_pandas=True)
        if pc.any(pc.match_substring_regex(text, _NEEDS_QUOTES)).as_py():
            return None
        return text
    return None


def csv_text(frame: pd.DataFrame) -> str:
    """``frame.to_csv(index=False)``, the same text, written by pyarrow where it can be."""
    columns = [_cells(frame.iloc[:, k]) for k in range(frame.shape[1])]
    if frame.shape[1] < 2 or any(c is None for c in columns):
        return frame.to_csv(index=False)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
    body = io.BytesIO()
    table = pa.table({f"c{k}": c for k, c in enumerate(columns)})
    if len(table):
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        pa_csv.write_csv(table, body, options)
    return header.getvalue() + body.getvalue().decode("utf-8")
