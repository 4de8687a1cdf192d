"""Pantau's spaCy components. Importing this package registers the factories:

- ``pantau_layout``        sentences, page furniture, headline lines
- ``pantau_orgs``          organisation gazetteer (spans only)
- ``pantau_regions``       region gazetteer → ``regions``
- ``pantau_rupiah``        → ``amounts``
- ``pantau_percent``       → ``percentages``
- ``pantau_worker_counts`` → ``worker_counts``
- ``pantau_officials``     → ``officials``
- ``pantau_quotes``        → ``quotes``
- ``pantau_events``        → ``events``
"""

from . import events, gazetteer, layout, officials, quantities, quotes

__all__ = ["events", "gazetteer", "layout", "officials", "quantities", "quotes"]
