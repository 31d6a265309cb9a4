"""Pure domain rules; see README.md in this folder."""
