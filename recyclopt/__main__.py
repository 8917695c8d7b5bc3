from recyclopt.cli import main
import sys

sys.exit(main())
