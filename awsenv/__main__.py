import sys

from awsenv.cli import main

sys.exit(main())
