"""The recommendation core (numpy only, no I/O). Built by the recommendation issue."""
