"""Product retrieval: embeddings, the Qdrant product index, search, similar products, name
resolution.

Modules (nothing heavy is imported here):

* :mod:`~cartwise.retrieval.text`: product text, tokenizer, sparse lexical vectors, name similarity
* :mod:`~cartwise.retrieval.embedder`: the ``Embedder`` protocol, the sentence-transformers
  embedder (ONNX Runtime for queries: :mod:`~cartwise.retrieval.onnx_query`) and a hashing test aid
* :mod:`~cartwise.retrieval.cache`: the embedding cache (vectors keyed by a hash of the text)
* :mod:`~cartwise.retrieval.vectorstore`: the ``VectorStore`` protocol; backends
  :mod:`~cartwise.retrieval.edge_store` (Qdrant Edge, embedded, the default) and
  :mod:`~cartwise.retrieval.qdrant_store` (a Qdrant server through qdrant-client)
* :mod:`~cartwise.retrieval.index`: the catalogue frame, point batches, incremental diffs
* :mod:`~cartwise.retrieval.search`: ``ProductSearch`` (search, similar, resolve, get)
* :mod:`~cartwise.retrieval.stage`: the "retrieval" build stage and ``open_product_search``
"""
