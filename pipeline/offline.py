"""Settings that keep the libraries the pipeline uses off the network.

Set as environment defaults when the `pipeline` package is imported, before
any of these libraries is: several read their settings at import time. Values
the user set win (a real Prefect server, say, is the user's choice).

- Prefect: no telemetry, no analytics from the temporary local server, no UI.
- tldextract: no download of the public suffix list (its bundled snapshot
  serves); an extractor created without arguments reads this variable.
"""

import os

OFFLINE_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_UI_ENABLED": "false",
    # not about the network, but Prefect's too: the temporary local server can take well over
    # Prefect's 20 s default to start on a busy machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
}


def apply_offline_defaults() -> None:
    for key, value in OFFLINE_DEFAULTS.items():
        os.environ.setdefault(key, value)
