package qrs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
)

// maxIDsPerRequest is how many ids one filter of "id eq … or id eq …" holds,
// as public QRS clients do, which keeps URLs far below http.sys's 16 KB.
const maxIDsPerRequest = 50

// maxFilterBytes bounds one such filter in bytes, for ids longer than GUIDs.
const maxFilterBytes = 6 << 10

// idBatches splits ids into batches of at most per ids whose filter
// (idFilter) stays within maxFilterBytes.
func idBatches(prop string, ids []string, per int) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		start, size := 0, 0
		for i, id := range ids {
			term := len(prop) + len(" eq ") + len(idLiteral(id)) + len(" or ")
			if i > start && (i-start == per || size+term > maxFilterBytes) {
				if !yield(ids[start:i]) {
					return
				}
				start, size = i, 0
			}
			size += term
		}
		if start < len(ids) {
			yield(ids[start:])
		}
	}
}

// idFilter returns the filter "prop eq a or prop eq b …" of ids.
func idFilter(prop string, ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(prop + " eq " + idLiteral(id))
	}
	return b.String()
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

// An appObject is what the checks of a sheet listing read of an item.
type appObject interface {
	objectID() string
	objectKind() string
	objectApp() string
}

func (s *Sheet) objectID() string   { return s.ID }
func (s *Sheet) objectKind() string { return s.ObjectType }
func (s *Sheet) objectApp() string  { return s.App.ID }

// A sheetSource fetches the app objects that base (the sheet filter, and
// a batch's apps) and the caller's filter select, reading at most maxBody
// bytes when maxBody > 0. paged sources fetch again what breaks off
// themselves (ListTable); the others are fetched again whole.
type sheetSource[T any] struct {
	fetch func(ctx context.Context, base string, maxBody int64) iter.Seq2[T, error]
	paged bool
}

// fullSheets is the source of GET /qrs/app/object/full.
func fullSheets[T any](c *Client, opts *ListOptions) sheetSource[T] {
	return sheetSource[T]{fetch: func(ctx context.Context, base string, maxBody int64) iter.Seq2[T, error] {
		return list[T](ctx, c, &request{path: objectPath, query: opts.query(base), maxBody: maxBody})
	}}
}

// sheets lists sheets, decoded as T, from src: in one listing, or, with
// opts.Partitions, per batch of the app ids in order (listed first when
// order is nil). It checks what the server sends: only sheets, and with
// partitions only sheets of the batch's apps, each once.
func sheets[T any, P interface {
	*T
	appObject
}](ctx context.Context, c *Client, opts *ListOptions, order []string, cl call, src sheetSource[T]) iter.Seq2[T, error] {
	if err := opts.check(cl); err != nil {
		return failed[T](err)
	}
	p := opts.partitions()
	if !p.on() {
		return func(yield func(T, error) bool) {
			n := 0
			for s, err := range src.fetch(ctx, sheetFilter, 0) {
				if err == nil {
					n++
					err = checkSheet(P(&s), n)
				}
				if !yield(s, err) || err != nil {
					return
				}
			}
		}
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
		pt := partitioner[T, P]{c: c, src: src, p: p}
		pt.run(ctx, ids, yield)
	}
}

// objectPath lists app objects.
const objectPath = "/qrs/app/object/full"

// checkSheet refuses an item of a sheet listing that is not a sheet: the
// server ignored the filter, and the rest of the listing cannot be
// trusted either. n counts the items.
func checkSheet(o appObject, n int) error {
	if !strings.EqualFold(o.objectKind(), "sheet") {
		return fmt.Errorf("qrs: item %d of the sheet listing is of type %q, not a sheet: the server ignored the filter objectType eq 'sheet'",
			n, truncate(o.objectKind(), 40))
	}
	return nil
}

// appIDs lists the ids of all apps, each once, in listing order.
func (c *Client) appIDs(ctx context.Context) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for app, err := range c.Apps(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if !seen[app.ID] {
			seen[app.ID] = true
			ids = append(ids, app.ID)
		}
	}
	return ids, nil
}

// batchResult is the outcome of one partition: its sheets, or an error.
type batchResult[T any] struct {
	sheets []T
	err    error
}

// maxRelists bounds how often partitioned retrieval lists apps again to
// catch apps created while it ran.
const maxRelists = 3

// maxBufferedBytes bounds the JSON that the batches fetched or waiting to
// be yielded may hold together: each batch may read its share
// (maxBufferedBytes / concurrency).
const maxBufferedBytes = 1 << 30

// A partitioner fetches the sheets of a list of apps batch by batch.
type partitioner[T any, P interface {
	*T
	appObject
}] struct {
	c   *Client
	src sheetSource[T]
	p   Partitions
}

// run fetches the sheets of ids in batches of p.AppsPerRequest apps, up to
// p.Concurrency batches at once, and yields them batch by batch in the
// order of ids. A batch is buffered whole before it is yielded, so that a
// batch that breaks off is fetched again alone without repeating a sheet.
// When the batches are done, the apps are listed again and the sheets of
// apps created in the meantime are fetched the same way. All goroutines
// have ended when it returns.
func (pt *partitioner[T, P]) run(ctx context.Context, ids []string, yield func(T, error) bool) {
	seen := make(map[string]bool, len(ids))
	for round := 0; ; round++ {
		var fresh []string
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, id)
			}
		}
		if len(fresh) == 0 || !pt.round(ctx, fresh, yield) || round == maxRelists {
			return
		}
		all, err := pt.c.appIDs(ctx)
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		ids = all
	}
}

// round runs one round of partitioned retrieval. It reports whether the
// caller should go on.
func (pt *partitioner[T, P]) round(ctx context.Context, ids []string, yield func(T, error) bool) bool {
	var batches [][]string
	for b := range idBatches("app.id", ids, pt.p.AppsPerRequest) {
		batches = append(batches, b)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	conc := pt.p.concurrency()
	// slots bounds the batches fetched or waiting to be yielded.
	slots := make(chan struct{}, conc)
	results := make([]chan batchResult[T], len(batches))
	for i := range results {
		results[i] = make(chan batchResult[T], 1)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, b := range batches {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] <- pt.fetch(ctx, b, maxBufferedBytes/int64(conc))
			}()
		}
	}()
	var zero T
	for i := range batches {
		var b batchResult[T]
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

// fetch reads the sheets of one batch of apps whole, fetching it again
// when its body breaks off, within one budget of retries for the batch's
// request: WithRetries(n) means at most n+1 requests for the batch,
// whatever failed (a paged source fetches its pages again itself, each
// within its own budget, and nothing twice). It checks that each item is
// a sheet of one of the batch's apps, and keeps each sheet once.
func (pt *partitioner[T, P]) fetch(ctx context.Context, apps []string, maxBody int64) batchResult[T] {
	c := pt.c
	base := sheetFilter + " and (" + idFilter("app.id", apps) + ")"
	b := newBudget(c.cfg.retries)
	if !pt.src.paged {
		ctx = withBudget(ctx, b)
	}
	for attempt := 0; ; attempt++ {
		got, err := collect(pt.src.fetch(ctx, base, maxBody))
		if err == nil {
			got, err = checkBatch[T, P](got, apps)
			if err == nil {
				return batchResult[T]{sheets: got}
			}
			return batchResult[T]{err: err}
		}
		if ctx.Err() != nil {
			return batchResult[T]{err: ctx.Err()}
		}
		if pt.src.paged || !brokeOff(err) || !b.take() {
			return batchResult[T]{err: fmt.Errorf("%w (partitioned retrieval)", err)}
		}
		c.cfg.logger.Warn("qrs: fetching a partition again", "attempt", attempt+1, "error", err.Error())
		if sleep(ctx, backoff(c.cfg.retryWait, c.cfg.retryMax, attempt, nil)) != nil {
			return batchResult[T]{err: ctx.Err()}
		}
	}
}

// brokeOff reports whether a listing failed because its body broke off
// (a read error, truncated JSON), which another try may mend.
func brokeOff(err error) bool {
	var re *readError
	if errors.As(err, &re) {
		return !classify(re.err).permanent()
	}
	return errors.Is(err, errTruncated)
}

// checkBatch keeps each sheet of a batch once, refusing items that are not
// sheets or not of the batch's apps: the server ignored the filter.
func checkBatch[T any, P interface {
	*T
	appObject
}](items []T, apps []string) ([]T, error) {
	inBatch := make(map[string]bool, len(apps))
	for _, id := range apps {
		inBatch[strings.ToLower(id)] = true
	}
	seen := make(map[string]bool, len(items))
	out := items[:0]
	for i := range items {
		o := P(&items[i])
		if err := checkSheet(o, i+1); err != nil {
			return nil, err
		}
		if !inBatch[strings.ToLower(o.objectApp())] {
			return nil, fmt.Errorf("qrs: item %d of a partition is a sheet of app %q, which the partition did not ask for: the server ignored the filter",
				i+1, truncate(o.objectApp(), 60))
		}
		if seen[o.objectID()] {
			continue // sent twice: keep it once
		}
		seen[o.objectID()] = true
		out = append(out, items[i])
	}
	return out, nil
}
