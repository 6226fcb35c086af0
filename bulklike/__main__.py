"""``python -m bulklike`` runs the same CLI as the ``bulklike`` script."""

import sys

from bulklike.cli.main import main

sys.exit(main())
