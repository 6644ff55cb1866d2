import sys

from talks2022.cli import main

sys.exit(main())
