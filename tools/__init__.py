"""The tools the agent calls (declared once each in registry.py) and what they share: their context, results,
names, the chat-model protocol. Subpackages: recommender/ (the engine) and marketing/."""
