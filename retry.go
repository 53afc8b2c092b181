package qrs

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxRetries bounds WithRetries.
const maxRetries = 100

// A budget is the retries left to one request: the tries of the transport
// after a connection error or a retryable status, and the re-fetches of a
// body that broke off (partitioned batches), draw on the same budget, so
// that WithRetries(n) means at most n+1 requests for one request of the
// library, whatever the mode.
type budget struct{ left atomic.Int64 }

func newBudget(retries int) *budget {
	b := &budget{}
	b.left.Store(int64(retries))
	return b
}

// take spends one retry, reporting whether there was one left.
func (b *budget) take() bool { return b.left.Add(-1) >= 0 }

type budgetKey struct{}

func withBudget(ctx context.Context, b *budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

func budgetFrom(ctx context.Context) *budget {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	return b
}

// checkRetry retries connection errors and 429, 500, 502, 503 and 504
// while the request's budget lasts; never another status, a certificate
// problem or a refused proxy login. It runs once the server has answered
// (or failed to): a retried answer's body is closed unread, so that a
// server that stalls it cannot hold the retry up, and the idle timer stops
// for the backoff, which is the Client's own wait.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	t := idleTimerFrom(ctx)
	retry, rerr := c.shouldRetry(ctx, resp, err)
	if retry {
		if b := budgetFrom(ctx); b != nil && !b.take() {
			retry = false
		}
	}
	if retry && resp != nil {
		resp.Body.Close()
		resp.Body = http.NoBody
	}
	if t != nil {
		t.disarm()
	}
	return retry, rerr
}

func (c *Client) shouldRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if classify(err).permanent() {
			return false, err
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	case http.StatusInternalServerError:
		// "Authentication error" is the proxy refusing a session: waiting
		// will not change its mind, re-authenticating might.
		return !bodyStartsWith(resp, "Authentication error"), nil
	}
	return false, nil
}

// bodyStartsWith peeks at the start of a response body, leaving it whole.
func bodyStartsWith(resp *http.Response, prefix string) bool {
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	head = head[:n]
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return bytes.Contains(head, []byte(prefix))
}

// backoff doubles from min up to max, honouring a Retry-After header
// (seconds or an HTTP date) between min and max: a server asking for no
// wait at all still gets the first step, so that a loop of them cannot
// spin.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clampDuration(d, min, max)
		}
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	return clampDuration(d, min, max)
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	return time.Duration(max(int64(lo), min(int64(hi), int64(d))))
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, 1<<31)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// logAttempt runs before each try of a request: it arms the idle timer
// for the wait for the answer, and logs.
func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if t := idleTimerFrom(req.Context()); t != nil {
		t.arm()
	}
	if attempt == 0 {
		c.cfg.logger.Debug("qrs: request", "method", req.Method, "path", req.URL.Path)
		return
	}
	c.cfg.logger.Warn("qrs: retrying", "method", req.Method, "path", req.URL.Path, "attempt", attempt)
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
