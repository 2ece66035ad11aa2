"""Pure mapping between NAV field values and Graph JSON: paths, value conversions, normalisation.

Nothing here performs I/O. Every mapped field is compared through one *normalised* string form, so that the
engine's three-way compare sees through formatting and type differences between the two sides.
"""
