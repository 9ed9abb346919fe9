"""Chat-model backends implementing tools.chat_model.ChatModel: the embedded SmolLM2 on llama.cpp (llama_cpp, with
admission control in admission) or on transformers (embedded, the fallback), an OpenAI-compatible server on the
openai SDK (openai_compatible), and the factory that picks one from Settings."""
