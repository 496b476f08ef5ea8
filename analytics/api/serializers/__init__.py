"""Request, query and response serializers of the analytics API, one module per endpoint family.

Response serializers document the shapes (drf-spectacular); views return the selectors' dicts.
"""
