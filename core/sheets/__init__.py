"""Spreadsheets in and out: `read` turns an uploaded .xlsx/.csv into rows of cells,
`values` turns cells into Python values, `write` writes .xlsx/.csv exports."""
