"""The tools of the catalogue (``../shared/GUIDE.md``): thin adapters over
:class:`~cartwise.services.Services`.

* :mod:`~cartwise.tools.schemas`: the arguments of each tool (the public contract)
* :mod:`~cartwise.tools.results`: the typed results (one model per kind, one product entry,
  one shopper entry, one failure) and how to read them back
* :mod:`~cartwise.tools.render`: the compact JSON a chat model reads, filter phrases
* :mod:`~cartwise.tools.registry`: the tool functions, ``TOOLS`` and ``run_tool``
* :mod:`~cartwise.tools.langchain`: the same tools as LangChain tools for the agent
"""
