"""The offer's rules over plain values: no Django, no queries, no clock.

Every function takes the offer's terms (:class:`OfferTerms`) and the facts it
needs as arguments, so a second offer with other terms needs no code change and
every rule can be tested without a database.
"""
