"""Values with no IO: codes, diagnostics, results, errors, bounds, redaction, the schema loader."""
