package core

import "time"

// SetStoreTimings shortens the login lock's lease and the wait for it, for
// tests; the returned func restores them.
func SetStoreTimings(lease, wait time.Duration) (restore func()) {
	oldLease, oldWait := storeLease, storeWait
	storeLease, storeWait = lease, wait
	return func() { storeLease, storeWait = oldLease, oldWait }
}

// StoreKeysFor are the store keys of an account, for tests that look into
// a store.
func StoreKeysFor(broker, base, identity string) (session, lock, failure string) {
	k := newStoreKeys(broker, base, identity)
	return k.session, k.lock, k.failure
}
