"""The recommender engine: EASE^R (ease), the hybrid ranker (hybrid), business rules (rules), the loaded
engine (engine), training (training) and the offline evaluation (evaluation, metrics, eval_models)."""
