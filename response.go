package qrs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// A response is the body of a successful call. Reading it arms the idle
// timer for the length of each read; closing it releases the request.
type response struct {
	status  int
	header  http.Header
	r       *bufio.Reader // over the body, through an idleReader
	body    io.ReadCloser
	release func()
	method  string
	path    string
	ctx     context.Context // the request's: its cause tells our timers' expiry
	parent  context.Context // the caller's
}

func (r *response) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{r.readError(err)}
	}
	return n, err
}

// A readError is a failure to read a body, as opposed to a fault of what
// was read: the decoder passes it on unchanged.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// readError explains why a body broke off.
func (r *response) readError(err error) error {
	if perr := r.parent.Err(); perr != nil {
		return perr
	}
	if cause := context.Cause(r.ctx); errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	return err
}

func (r *response) Close() error {
	err := r.body.Close()
	r.release()
	return err
}

// bodyError explains a listing that broke off after items elements: the
// caller's context error unwrapped, otherwise what happened and how far it
// got, so that the caller knows how much it received.
func (r *response) bodyError(err error, items int) error {
	if perr := r.parent.Err(); perr != nil {
		return perr
	}
	return fmt.Errorf("qrs: %s %s: the listing broke off after %d items: %w", r.method, r.path, items, err)
}

// An idleTimer ends a request when the server is silent for too long: it
// runs only while the Client waits for the server (for the answer to an
// attempt, and inside each read of the body), never while the caller,
// a backoff or another request keeps the Client from reading.
type idleTimer struct {
	t *time.Timer
	d time.Duration
}

func newIdleTimer(d time.Duration, stop context.CancelCauseFunc) *idleTimer {
	t := time.AfterFunc(time.Hour, func() {
		stop(fmt.Errorf("no data from the server for %v (WithIdleTimeout): %w", d, context.DeadlineExceeded))
	})
	t.Stop()
	return &idleTimer{t: t, d: d}
}

func (t *idleTimer) arm()    { t.t.Reset(t.d) }
func (t *idleTimer) disarm() { t.t.Stop() }

// idleTimerKey keys the request's idle timer in its context, for the
// retry hooks.
type idleTimerKey struct{}

func idleTimerFrom(ctx context.Context) *idleTimer {
	t, _ := ctx.Value(idleTimerKey{}).(*idleTimer)
	return t
}

// idleReader arms the idle timer for the length of each read.
type idleReader struct {
	r io.Reader
	t *idleTimer
}

func (r *idleReader) Read(p []byte) (int, error) {
	r.t.arm()
	n, err := r.r.Read(p)
	r.t.disarm()
	return n, err
}
