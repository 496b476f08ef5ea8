"""Analytics reads: frames for the engines (inputs) and stored results for the API (outputs)."""
