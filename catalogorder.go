package qrs

import (
	"context"
	"sync"
)

// inOrder fetches the results of ids with fetch, at most conc at once
// (fetched or waiting to be used), and hands each to use in the order of
// ids, until use returns false. fetch runs on its own goroutine with a
// context that ends when inOrder returns; all its goroutines have ended
// when inOrder returns. Memory holds at most conc results.
func inOrder[T any](ctx context.Context, ids []string, conc int, fetch func(ctx context.Context, id string) T, use func(id string, res T) bool) bool {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	pending := make([]chan T, 0, conc) // the fetches in the order of ids
	next := 0
	for i := range ids {
		for next < len(ids) && len(pending) < conc {
			ch := make(chan T, 1)
			id := ids[next]
			next++
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch <- fetch(ctx, id)
			}()
			pending = append(pending, ch)
		}
		res := <-pending[0]
		pending = pending[1:]
		if !use(ids[i], res) {
			return false
		}
	}
	return true
}
