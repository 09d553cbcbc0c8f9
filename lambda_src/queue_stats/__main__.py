"""`python -m queue_stats`: the same command line as `symbee-queue-stats`."""

import sys

from queue_stats.cli import main

sys.exit(main())
