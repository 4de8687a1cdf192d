"""Server log: one line per request, a traceback only for a real error.

Datasette's default error handler prints every exception with ``rich`` and its local variables
when rich is installed, a 404 included: about 150 lines per mistyped URL, which buries the real
errors. Without rich it prints nothing for a 4xx (the access log already has its one line:
``"GET /pantau/nope HTTP/1.1" 404 Not Found``) and a plain ``traceback.print_exc()`` for a 500.
Pages and JSON answers are unchanged: only the log is.
"""

from __future__ import annotations

import importlib
from typing import Any

# Read by the default handler on every error (datasette 0.65): None means "no rich traceback".
default_handler: Any = importlib.import_module("datasette.handle_exception")
default_handler.rich = None
