package qrs

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// List streams the JSON array that a GET of path answers, decoding one
// element at a time into a T as the loop asks for it, with the same
// guarantees as the Client's own listings: the request carries the
// xrfkey, the credentials and the session; it is retried as they are;
// memory does not grow with the listing; every element is bounded
// (WithMaxItemSize, and at most 100,000 JSON values); the iteration
// contract of the package documentation holds. It serves the QRS
// endpoints the Client does not wrap, such as /qrs/tag/full:
//
//	type tag struct{ ID, Name string }
//	for t, err := range qrs.List[tag](ctx, c, "/qrs/tag/full", nil) { ... }
//
// path is under the base URL, without a query: /qrs/..., /api/v1/....
// List takes Filter and OrderBy of opts. T is decoded as encoding/json/v2
// decodes it, tolerantly (unknown fields ignored, member names matched to
// fields without regard to case, as encoding/json does), with integers in
// any notation (1e3), and with the library's reading of times
// (1753-01-01, QRS's "never", is the zero time.Time).
func List[T any](ctx context.Context, c *Client, path string, opts *ListOptions) iter.Seq2[T, error] {
	if err := checkPath(path); err != nil {
		return failed[T](err)
	}
	if err := opts.check(callList); err != nil {
		return failed[T](err)
	}
	return list[T](ctx, c, &request{path: path, query: opts.query(""), caseless: true})
}

// Get decodes the JSON document that a GET of path with query answers
// into a T, with the same guarantees as List: at most WithMaxItemSize
// bytes and 10,000,000 JSON values, nothing after the document. For
// example, qrs.Get[map[string]any](ctx, c, "/qrs/about", nil).
func Get[T any](ctx context.Context, c *Client, path string, query url.Values) (T, error) {
	var v T
	if err := checkPath(path); err != nil {
		return v, err
	}
	ps, err := queryParams(query)
	if err != nil {
		return v, err
	}
	err = c.getJSON(ctx, &request{path: path, query: ps, caseless: true}, &v)
	return v, err
}

// getJSON sends r and decodes the JSON document it answers into v.
func (c *Client) getJSON(ctx context.Context, r *request, v any) error {
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Close()
	if err := decodeDocument(resp, v, c.cfg.maxItem, r.caseless); err != nil {
		if perr := ctx.Err(); perr != nil {
			return perr
		}
		return fmt.Errorf("qrs: %s %s: %w", resp.method, resp.path, err)
	}
	return nil
}

// listing checks the options of a call, then streams the JSON array at
// path with base and the caller's filter.
func listing[T any](ctx context.Context, c *Client, path, base string, opts *ListOptions, cl call) iter.Seq2[T, error] {
	if err := opts.check(cl); err != nil {
		return failed[T](err)
	}
	return list[T](ctx, c, &request{path: path, query: opts.query(base)})
}

// list streams the JSON array that r answers: one request, one element
// at a time.
func list[T any](ctx context.Context, c *Client, r *request) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		resp, err := c.do(ctx, r)
		if err != nil {
			yield(zero, err)
			return
		}
		defer resp.Close()
		dec := newArrayDecoder(resp, c.cfg.maxItem, r.maxBody, r.caseless)
		for {
			var v T
			ok, err := dec.next(&v)
			if err != nil {
				yield(zero, resp.bodyError(err, dec.n))
				return
			}
			if !ok || !yield(v, nil) {
				return
			}
		}
	}
}

// failed is the sequence of one error.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// collect gathers a sequence into a slice, stopping at the first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// checkPath refuses a path that is not a clean absolute path: List and Get
// put it under the base URL as it is.
func checkPath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("qrs: path %q must start with / (such as /qrs/tag/full)", truncate(path, 100))
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c <= ' ' || c >= 0x7f || c == '?' || c == '#' || c == '%' || c == '\\' {
			return fmt.Errorf("qrs: path %q has %q at byte %d: give the path alone, without a query or escapes", truncate(path, 100), c, i)
		}
	}
	for _, seg := range strings.Split(path[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("qrs: path %q has an empty, . or .. segment", truncate(path, 100))
		}
	}
	return nil
}

// queryParams turns a caller's query into parameters, in the order of
// their names; the xrfkey is the Client's own.
func queryParams(q url.Values) ([]param, error) {
	var ps []param
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if strings.EqualFold(k, "xrfkey") {
			return nil, fmt.Errorf("qrs: the query must not set xrfkey: the Client sends its own with every request")
		}
		for _, v := range q[k] {
			ps = append(ps, param{k, v})
		}
	}
	return ps, nil
}
