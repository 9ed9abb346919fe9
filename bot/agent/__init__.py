"""The agent loop (loop), what a turn is asked (turn), plans (decision), the dialogue state, both planners
(router/, native_planner), the toolbox, replies and their templates, the typed events a turn yields."""
