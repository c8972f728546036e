"""`python -m core.cli ...`: the headless command line without the app's entry point."""

import sys

from core.cli import main

if __name__ == "__main__":
    sys.exit(main())
