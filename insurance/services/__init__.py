"""Everything that changes insurance state, as keyword-only functions, each one transaction."""
