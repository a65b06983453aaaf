"""Checking claims against the graph: a file of stated figures (or the findings the graph holds),
each recomputed by a measure (a view in queries/ that returns one number) as of the claim's date.

claimsfile.py reads and checks the claims file; verdicts.py recomputes each claim and gives its
verdict with the members behind the computed number; report.py renders the verdicts.
"""
