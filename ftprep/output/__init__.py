"""Reporters and the HTML page: handed results, they compute nothing."""
