"""Cartwise: a conversational agent over a shop's own recommendation, search and analytics tools.

Importing the package is cheap: nothing is loaded, configured or built at import time. Entry points
(the CLI, the server) build what they need through factories such as ``build_services``.
"""

__version__ = "0.1.0"
