import sys

from mskctl.local.emulator.server import main

sys.exit(main())
