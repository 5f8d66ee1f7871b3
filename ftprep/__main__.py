from ftprep.cli import run

run()
