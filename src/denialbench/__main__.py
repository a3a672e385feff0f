"""`python -m denialbench` runs the command-line interface."""

from denialbench._cli import main

main()
