"""The one reader: formats, records, parse findings, input expansion."""
