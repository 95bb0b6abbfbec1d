"""Roster exact match: find the district's own students, staff and guardians in text.

Importers read an SIS export into clear records (in memory only); `forms` turns each person
into the token sequences people write ("Lisa S. Woods", "Woods, Lisa", an ID, a phone number);
`store` keeps only keyed hashes of those on disk; `matcher` finds them in text by computing
keyed fingerprints of every token at once (a numba kernel, or numpy) and verifying the few
hits by HMAC.
"""
