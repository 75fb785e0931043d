"""Product retrieval: embeddings, the Qdrant product index, search, similar products, name
resolution.

Modules (nothing heavy is imported here):

* :mod:`~cartwise.retrieval.text`: product text, tokenizer, sparse lexical vectors (words,
  stems and name similarity come from the one normaliser, :mod:`cartwise.text`)
* :mod:`~cartwise.retrieval.embedder`: the ``Embedder`` protocol, the sentence-transformers
  embedder (ONNX Runtime for queries: :mod:`~cartwise.retrieval.onnx_query`) and a hashing test aid
* :mod:`~cartwise.retrieval.cache`: the embedding cache (vectors keyed by a hash of the text)
* :mod:`~cartwise.retrieval.vectorstore`: the ``VectorStore`` protocol; backends
  :mod:`~cartwise.retrieval.edge_store` (Qdrant Edge, embedded, the default) and
  :mod:`~cartwise.retrieval.qdrant_store` (a Qdrant server through qdrant-client)
* :mod:`~cartwise.retrieval.index`: the catalogue frame, point batches, incremental diffs
* :mod:`~cartwise.retrieval.search`: ``ProductSearch`` (search, similar, resolve) over the one
  :class:`~cartwise.catalog.Catalog`
* :mod:`~cartwise.retrieval.stage`: the "retrieval" build stage and ``load_retrieval``

Imports point one way (function-level ones included): ``text`` is imported by the vector stores
and the embedder, the embedder by the cache, the cache by the index, and ``stage`` imports them
all; no module imports one that imports it.
"""

#: The store's cache folder of the retrieval caches (embeddings, the exported query encoder):
#: ``Store.cache_dir(CACHE_NAME)``, outside the versioned stages so that it survives rebuilds.
CACHE_NAME = "retrieval"
