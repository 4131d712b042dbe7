"""Claims' web pages: the reviewers' dashboard (the merchant's claim pages are the portal's)."""
