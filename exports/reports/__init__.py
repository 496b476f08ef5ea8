"""Generated reports: what they contain (:mod:`.templates`, :mod:`.content`), how they look
(:mod:`.charts`, :mod:`.pdf`, :mod:`.html`, :mod:`.tabular`) and their lifecycle (:mod:`.services`)."""
