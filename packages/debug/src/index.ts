// PLACEHOLDER (lead): replaced by the helper that owns this package.
