"""The public verbs that dispatch: check any input, convert, push, submit."""
