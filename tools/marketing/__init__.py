"""Marketing tools: keyphrases (keywords), grounded copy (copy, copy_prompt, grounding, channels), audiences,
segments and campaigns."""
