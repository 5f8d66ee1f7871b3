"""The engine on local files: scan, duplicates, shapes, load types, render, tokens, stats."""
