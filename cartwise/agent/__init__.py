"""The chat agent: chat models (the offline planner, LLM providers), the agent graph, memory."""
