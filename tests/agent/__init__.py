"""Tests of cartwise.agent."""
