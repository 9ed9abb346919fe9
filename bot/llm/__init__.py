"""Chat-model backends implementing tools.chat_model.ChatModel: the embedded SmolLM2 (embedded), an
OpenAI-compatible server (openai_compatible, openai_wire), and the factory that picks one from Settings."""
