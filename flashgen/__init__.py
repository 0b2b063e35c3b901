"""flashgen: markdown class notes in, Anki decks out."""

__version__ = "0.1.0"
