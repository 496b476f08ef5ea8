"""Pro-forma modeling: what-if trades on a copy-on-write view of a portfolio (API.md "/modeling").

- :mod:`.models`: ModelingSession and ModelingTrade (``app_label = "analytics"``);
- :mod:`.book`: the modeled positions (held lots with the trades applied FIFO) as an in-memory
  ``positions_frame``;
- :mod:`.calculate`: the batch's engines run in-process on in-memory books (nothing written to the
  result tables);
- :mod:`.impacts`: before / after / change of every figure (pure);
- :mod:`.selectors` (reads), :mod:`.services` (writes: sessions, trades, calculate, save, apply,
  cancel), :mod:`.api` (REST), :mod:`.admin` (read-only console).
"""
