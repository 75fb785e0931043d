"""Tests of the offline planner (cartwise.agent.planner)."""
