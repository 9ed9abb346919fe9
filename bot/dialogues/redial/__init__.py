"""The ReDial evaluation (`concierge eval-dialogues --redial DIR`): real human recommendation dialogues replayed
through the product's turn API, with popularity and EASE^R-from-mentions baselines in the same run.

data (reading the folder), mapping (ReDial movies -> catalog items), protocol (which turns, their context and
targets), metrics (Recall@k, percentiles), baselines, product (a turn through the backend), run (the whole
evaluation and its report)."""
