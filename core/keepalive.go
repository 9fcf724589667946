package core

// KeepAliveOption adjusts a client's KeepAlive loop.
type KeepAliveOption func(*KeepAliveOptions)

// KeepAliveOptions is what the options of one KeepAlive call set.
type KeepAliveOptions struct {
	// OnRound, if set, is called after every round with its outcome: nil
	// when it worked, else the error, whether the loop retries it or ends
	// on it. It runs on the loop's goroutine and must not block.
	OnRound func(err error)
}

// OnRound makes KeepAlive report every round's outcome to fn, for logs
// and health checks.
func OnRound(fn func(err error)) KeepAliveOption {
	return func(o *KeepAliveOptions) { o.OnRound = fn }
}

// ApplyKeepAliveOptions folds opts into one KeepAliveOptions.
func ApplyKeepAliveOptions(opts []KeepAliveOption) KeepAliveOptions {
	var o KeepAliveOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
