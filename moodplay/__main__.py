import sys

from moodplay._cli import main

sys.exit(main())
