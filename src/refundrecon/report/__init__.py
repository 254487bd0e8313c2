"""Reports: the weekly summary, the JSON contract and the terminal rendering."""
