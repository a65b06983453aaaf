"""The scorecard: the views assembled into the seed's sections (model.py) and rendered (render.py)."""
