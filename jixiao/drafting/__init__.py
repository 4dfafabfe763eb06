"""Drafting (起草): a new project's target table from precedents, its review, export and saving.

Above search in the layers (it asks the search service for precedents and runs the review rules
on the draft); the API and the CLI use it.
"""
