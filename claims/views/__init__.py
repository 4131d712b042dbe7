"""Claims' web pages: the merchant's claims and deposit cover, and the reviewers' dashboard."""
