"""Local files: opening inputs safely, bounded streams, atomic outputs."""
