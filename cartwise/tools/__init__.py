"""The tools of the catalogue (``../shared/GUIDE.md``): thin adapters over
:class:`~cartwise.services.Services`.

* :mod:`~cartwise.tools.schemas`: the arguments of each tool (the public contract)
* :mod:`~cartwise.tools.results`: product entries, structured failures, model-facing JSON
* :mod:`~cartwise.tools.catalog`: the tool functions, ``TOOLS`` and ``run_tool``
* :mod:`~cartwise.tools.langchain`: the same tools as LangChain tools for the agent
"""
