"""Recommenders: ALS, item-item CF, popularity, repeat purchase, the hybrid blend and re-ranking.

Models work in matrix space (user rows, item columns of :class:`~cartwise.recsys.interactions.
Interactions`; item columns are the rows of the one :class:`~cartwise.catalog.Catalog`);
:class:`~cartwise.recsys.service.Recommenders` speaks external ids and product entries to the
rest of Cartwise, and :func:`~cartwise.recsys.stage.load_recsys` loads it from a store.
"""
