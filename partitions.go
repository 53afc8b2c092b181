package qrs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"
)

// maxIDsPerRequest is how many ids one filter of "id eq … or id eq …" holds,
// as public QRS clients do, which keeps URLs far below http.sys's 16 KB.
const maxIDsPerRequest = 50

// maxFilterBytes bounds one such filter in bytes, for ids longer than GUIDs.
const maxFilterBytes = 6 << 10

// idFilters splits ids into filters "prop eq a or prop eq b …" of at most
// per ids and maxFilterBytes bytes each.
func idFilters(prop string, ids []string, per int) iter.Seq[string] {
	return func(yield func(string) bool) {
		var b strings.Builder
		n := 0
		for _, id := range ids {
			term := prop + " eq " + idLiteral(id)
			if n > 0 && (n == per || b.Len()+len(term)+4 > maxFilterBytes) {
				if !yield(b.String()) {
					return
				}
				b.Reset()
				n = 0
			}
			if n > 0 {
				b.WriteString(" or ")
			}
			b.WriteString(term)
			n++
		}
		if n > 0 {
			yield(b.String())
		}
	}
}

// idLiteral writes a GUID bare, as QRS wants, and anything else quoted.
func idLiteral(id string) string {
	if isGUID(id) {
		return id
	}
	return Quote(id)
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// sheets lists sheets, decoded as T, in one request, or, with
// WithPartitions, per batch of the app ids in order (listed first when
// order is nil).
func sheets[T any](ctx context.Context, c *Client, opts *ListOptions, order []string) iter.Seq2[T, error] {
	if c.cfg.partition == 0 {
		return list[T](ctx, c, "/qrs/app/object/full", opts.query(sheetFilter))
	}
	return func(yield func(T, error) bool) {
		ids := order
		if ids == nil {
			var err error
			if ids, err = c.appIDs(ctx); err != nil {
				var zero T
				yield(zero, err)
				return
			}
		}
		partitioned(ctx, c, opts, ids, yield)
	}
}

// appIDs lists the ids of all apps, in listing order.
func (c *Client) appIDs(ctx context.Context) ([]string, error) {
	var ids []string
	for app, err := range c.Apps(ctx, nil) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, app.ID)
	}
	return ids, nil
}

// batch is the outcome of one partition: its sheets, or an error.
type batch[T any] struct {
	sheets []T
	err    error
}

// maxRelists bounds how often partitioned retrieval lists apps again to
// catch apps created while it ran.
const maxRelists = 3

// partitioned fetches the sheets of ids in batches of c.cfg.partition apps,
// up to c.cfg.concurrency batches at once, and yields them batch by batch in
// the order of ids. A batch is buffered whole before it is yielded, so that
// a batch that breaks off is retried alone without repeating a sheet. When
// the batches are done, the apps are listed again and the sheets of apps
// created in the meantime are fetched the same way. All goroutines have
// ended when it returns.
func partitioned[T any](ctx context.Context, c *Client, opts *ListOptions, ids []string, yield func(T, error) bool) {
	seen := make(map[string]bool, len(ids))
	for round := 0; len(ids) > 0; round++ {
		for _, id := range ids {
			seen[id] = true
		}
		if !fetchBatches(ctx, c, opts, ids, yield) {
			return
		}
		if round == maxRelists {
			return
		}
		all, err := c.appIDs(ctx)
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		ids = ids[:0:0]
		for _, id := range all {
			if !seen[id] {
				ids = append(ids, id)
			}
		}
	}
}

// fetchBatches runs one round of partitioned retrieval. It reports whether
// the caller should go on.
func fetchBatches[T any](ctx context.Context, c *Client, opts *ListOptions, ids []string, yield func(T, error) bool) bool {
	var filters []string
	for f := range idFilters("app.id", ids, c.cfg.partition) {
		filters = append(filters, f)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	// slots bounds the batches fetched or waiting to be yielded.
	slots := make(chan struct{}, c.cfg.concurrency)
	results := make([]chan batch[T], len(filters))
	for i := range results {
		results[i] = make(chan batch[T], 1)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, f := range filters {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] <- fetchBatch[T](ctx, c, opts, f)
			}()
		}
	}()
	var zero T
	for i := range filters {
		var b batch[T]
		select {
		case b = <-results[i]:
		case <-ctx.Done():
			yield(zero, ctx.Err())
			return false
		}
		if b.err != nil {
			yield(zero, b.err)
			return false
		}
		for _, s := range b.sheets {
			if !yield(s, nil) {
				return false
			}
		}
		<-slots
	}
	return true
}

// fetchBatch reads one batch whole, retrying it when its body breaks off.
func fetchBatch[T any](ctx context.Context, c *Client, opts *ListOptions, appFilter string) batch[T] {
	q := opts.query(sheetFilter + " and (" + appFilter + ")")
	var err error
	for attempt := 0; attempt <= c.cfg.retries; attempt++ {
		var sheets []T
		sheets, err = collect(list[T](ctx, c, "/qrs/app/object/full", q))
		if err == nil {
			return batch[T]{sheets: sheets}
		}
		var apiErr *APIError
		if ctx.Err() != nil || errors.As(err, &apiErr) || permanentTransportError(err) {
			break // the caller stopped, or another try cannot help
		}
		if attempt < c.cfg.retries {
			c.cfg.logger.Warn("qrs: retrying a partition", "attempt", attempt+1, "error", err.Error())
			if sleep(ctx, backoff(c.cfg.retryWait, c.cfg.retryMax, attempt, nil)) != nil {
				break
			}
		}
	}
	if ctx.Err() != nil {
		return batch[T]{err: ctx.Err()}
	}
	return batch[T]{err: fmt.Errorf("%w (partitioned retrieval)", err)}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
