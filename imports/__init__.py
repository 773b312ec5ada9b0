"""Imports: a file uploaded, checked row by row, confirmed and applied in the background,
for every kind of import an app registers (devices, students, teachers)."""
