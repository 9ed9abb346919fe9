"""The HTTP surface: the FastAPI app (app.create_app), session and OpenAI-compatible routes, auth, limits,
errors, the Gradio UI (gradio_ui.mount_ui) and the widget's static files."""
