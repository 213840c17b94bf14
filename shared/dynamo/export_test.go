package dynamo

// WithPageSize makes ListStores read pages of n items, so a test can cross page boundaries
// with a handful of stores.
func WithPageSize(n int32) Option { return func(r *Repositories) { r.pageSize = n } }
