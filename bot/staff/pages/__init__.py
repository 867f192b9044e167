"""The staff console's aiohttp handlers, one module per page family."""
