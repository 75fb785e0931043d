"""Recommenders: ALS, item-item CF, popularity, repeat purchase, the hybrid blend and re-ranking.

Models work in matrix space (user rows, item columns of :class:`~cartwise.recsys.interactions.
Interactions`); :class:`~cartwise.recsys.service.Recommenders` speaks external ids to the rest of
Cartwise.
"""
