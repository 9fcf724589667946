//go:build js && wasm

package main

import "sync"

// replies are calls into JavaScript waiting for their answer, by id: Go
// registers a call, passes its id to JS and waits on the channel; JS answers
// through a function of the namespace that takes the waiting channel by
// that id. An answer nobody waits for any more (the call's context ended)
// finds no channel and is dropped.
type replies[T any] struct {
	mu      sync.Mutex
	next    int
	waiting map[int]chan T
}

// register opens a call: its id, and the channel its answer arrives on.
func (r *replies[T]) register() (int, chan T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.waiting == nil {
		r.waiting = map[int]chan T{}
	}
	r.next++
	ch := make(chan T, 1)
	r.waiting[r.next] = ch
	return r.next, ch
}

// forget closes a call Go no longer waits for.
func (r *replies[T]) forget(id int) {
	r.mu.Lock()
	delete(r.waiting, id)
	r.mu.Unlock()
}

// take returns the channel of call id and closes the call, or nil if no
// one waits for it.
func (r *replies[T]) take(id int) chan T {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := r.waiting[id]
	delete(r.waiting, id)
	return ch
}
