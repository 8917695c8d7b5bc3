import sys

from recyclopt.cli import main

sys.exit(main())
