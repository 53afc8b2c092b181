package testserver

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Fault changes how the server answers matching requests. Faults are kept
// in a queue: each arriving request takes the first fault whose Path
// matches, and that fault is removed once it has served Times requests.
// Every option works over TLS and plain HTTP.
//
// A fault with Status (or AuthError500, or Login) replaces the answer, and
// the request is not authenticated, checked or counted as a session.
// Without them, the real answer is produced and the byte-level options
// below apply to it. The byte-level options make the server take over the
// connection: the answer is then sent with chunked transfer encoding and
// "Connection: close", and its bytes are counted from the first body byte.
type Fault struct {
	// Path restricts the fault to requests whose path after the virtual
	// proxy prefix equals Path, e.g. "/qrs/app/full". "" matches every
	// request.
	Path string
	// Times is the number of matching requests the fault applies to.
	// Default (0): 1.
	Times int
	// Delay holds the answer back, honouring the request's context and
	// Server.Close.
	Delay time.Duration

	// Status, when not 0, is the status of a canned answer with Body,
	// sent as ContentType (default "text/plain; charset=utf-8").
	Status      int
	Body        string
	ContentType string
	// Header is added to the answer, canned or real: Retry-After,
	// Location, ...
	Header http.Header
	// AuthError500 is short for the proxy's answer to a stale session:
	// 500, text/plain "Authentication error: Restart the browser."
	AuthError500 bool
	// Login answers as the proxy answers an unauthenticated request, as set
	// by Config.AuthFailure: a 302 to the login form, a 401, or an HTML
	// login page with status 200.
	Login bool

	// ResetBeforeResponse closes the TCP connection abruptly (RST, no TLS
	// close_notify) without any answer.
	ResetBeforeResponse bool
	// ResetAfterHeaders sends the status line and headers, then resets the
	// connection.
	ResetAfterHeaders bool
	// ResetAfterBytes, when > 0, sends the headers and the first
	// ResetAfterBytes bytes of the body, then resets the connection.
	ResetAfterBytes int64
	// TruncateAfterBytes, when > 0, ends the body cleanly (last chunk, then
	// close) after that many bytes: the client sees a complete HTTP answer
	// with truncated JSON.
	TruncateAfterBytes int64
	// Stall, when > 0, pauses the body for that long after StallAfterBytes
	// bytes (0: right after the headers), then carries on. The pause ends
	// early when the client goes away or the server closes.
	StallAfterBytes int64
	Stall           time.Duration
	// BytesPerSecond, when > 0, paces the body at that rate.
	BytesPerSecond int64
	// Pass answers the request normally: the fault only takes its turn,
	// so that tests can script faults of later requests.
	Pass bool
}

// AuthErrorBody is the proxy's answer to a session cookie it does not know.
const AuthErrorBody = "Authentication error: Restart the browser."

func (f *Fault) hijacks() bool {
	return f.ResetAfterHeaders || f.ResetAfterBytes > 0 || f.TruncateAfterBytes > 0 || f.Stall > 0 || f.BytesPerSecond > 0
}

// AddFault queues a fault.
func (s *Server) AddFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Header != nil {
		f.Header = f.Header.Clone()
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns a copy of the first queued fault matching the request
// and uses up one of its Times. A fault with a Path matches only requests
// under the prefix.
func (s *Server) takeFault(entry *Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path != "" && (entry.OutsidePrefix || f.Path != entry.Path) {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		if f.Pass {
			return nil
		}
		c := *f
		return &c
	}
	return nil
}

// sleep waits for d, the end of ctx, or the server's closing; it reports
// whether d elapsed.
func (s *Server) sleep(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
	case <-s.closing:
	}
	return false
}

var errFaultDone = errors.New("testserver: connection ended by a fault")

// resetConn closes a connection with an RST: linger 0 on the TCP socket,
// closed beneath any TLS layer so that no close_notify is sent.
func resetConn(c net.Conn) {
	raw := c
	if tc, ok := c.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}

// hijack takes the connection over from net/http and registers it so that
// Server.Close can end it.
func (s *Server) hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		// Close has already ended the connections it knew of.
		_ = conn.Close()
		return nil, nil, errors.New("testserver: closed")
	}
	s.hijacked[conn] = struct{}{}
	return conn, brw, nil
}

func (s *Server) release(conn net.Conn) {
	s.mu.Lock()
	delete(s.hijacked, conn)
	s.mu.Unlock()
}

// faultWriter is a ResponseWriter over a hijacked connection that writes
// the answer itself (chunked) so that it can pace, stall, truncate or reset
// it at exact byte counts.
type faultWriter struct {
	s      *Server
	f      *Fault
	under  http.ResponseWriter
	header http.Header
	status int
	wrote  bool
	conn   net.Conn
	bw     *bufio.Writer
	gone   chan struct{} // closed when the client closes its side
	sent   int64         // body bytes sent
	stalls bool          // a stall is still due
	ended  bool          // the connection is finished (reset, truncated or closed)
	start  time.Time
}

func newFaultWriter(s *Server, f *Fault, w http.ResponseWriter) *faultWriter {
	return &faultWriter{s: s, f: f, under: w, header: http.Header{}, stalls: f.Stall > 0, gone: make(chan struct{})}
}

func (fw *faultWriter) Header() http.Header { return fw.header }

func (fw *faultWriter) WriteHeader(code int) {
	if fw.wrote {
		return
	}
	fw.wrote = true
	fw.status = code
	conn, brw, err := fw.s.hijack(fw.under)
	if err != nil {
		fw.ended = true
		return
	}
	fw.conn = conn
	go func() {
		// Detect the client going away (net/http no longer watches a
		// hijacked connection). Whatever it sends now is discarded.
		buf := make([]byte, 512)
		for {
			if _, err := brw.Read(buf); err != nil {
				close(fw.gone)
				return
			}
		}
	}()
	fw.bw = bufio.NewWriterSize(conn, 32<<10)
	fmt.Fprintf(fw.bw, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	fw.header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	fw.header.Del("Content-Length")
	fw.header.Set("Transfer-Encoding", "chunked")
	fw.header.Set("Connection", "close")
	keys := make([]string, 0, len(fw.header))
	for k := range fw.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range fw.header[k] {
			fmt.Fprintf(fw.bw, "%s: %s\r\n", k, v)
		}
	}
	fw.bw.WriteString("\r\n")
	if fw.flush() != nil {
		return
	}
	fw.start = time.Now()
	if fw.f.ResetAfterHeaders {
		fw.reset()
		return
	}
	if fw.stalls && fw.f.StallAfterBytes <= 0 {
		fw.stall()
	}
}

func (fw *faultWriter) flush() error {
	if fw.ended {
		return errFaultDone
	}
	if err := fw.bw.Flush(); err != nil {
		fw.reset()
		return err
	}
	return nil
}

func (fw *faultWriter) reset() {
	if !fw.ended {
		fw.ended = true
		resetConn(fw.conn)
		fw.s.release(fw.conn)
	}
}

func (fw *faultWriter) stall() {
	fw.stalls = false
	if !fw.s.sleep(fw.f.Stall, fw.gone) {
		fw.reset()
	}
}

// Flush implements http.Flusher.
func (fw *faultWriter) Flush() {
	if fw.wrote && !fw.ended {
		_ = fw.flush()
	}
}

func (fw *faultWriter) writeChunk(p []byte) {
	fw.bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
	fw.bw.WriteString("\r\n")
	fw.bw.Write(p)
	fw.bw.WriteString("\r\n")
}

func (fw *faultWriter) Write(p []byte) (int, error) {
	if !fw.wrote {
		fw.WriteHeader(http.StatusOK)
	}
	f := fw.f
	written := 0
	for len(p) > 0 {
		if fw.ended {
			return written, errFaultDone
		}
		n := int64(len(p))
		limit := func(at int64) {
			if at > fw.sent && at-fw.sent < n {
				n = at - fw.sent
			}
		}
		if f.ResetAfterBytes > 0 {
			limit(f.ResetAfterBytes)
		}
		if f.TruncateAfterBytes > 0 {
			limit(f.TruncateAfterBytes)
		}
		if fw.stalls {
			limit(f.StallAfterBytes)
		}
		if f.BytesPerSecond > 0 {
			slice := max(1, f.BytesPerSecond/50) // about 20 ms of body
			n = min(n, slice)
		}
		fw.writeChunk(p[:n])
		fw.sent += n
		written += int(n)
		p = p[n:]
		if f.BytesPerSecond > 0 {
			if fw.flush() != nil {
				return written, errFaultDone
			}
			due := fw.start.Add(time.Duration(float64(fw.sent) / float64(f.BytesPerSecond) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 && !fw.s.sleep(wait, fw.gone) {
				fw.reset()
				return written, errFaultDone
			}
		}
		if fw.stalls && fw.sent >= f.StallAfterBytes {
			if fw.flush() != nil {
				return written, errFaultDone
			}
			fw.stall()
		}
		if f.ResetAfterBytes > 0 && fw.sent >= f.ResetAfterBytes {
			_ = fw.flush()
			fw.reset()
			return written, errFaultDone
		}
		if f.TruncateAfterBytes > 0 && fw.sent >= f.TruncateAfterBytes {
			fw.end()
			return written, errFaultDone
		}
	}
	return written, nil
}

// end finishes the chunked body and closes the connection cleanly.
func (fw *faultWriter) end() {
	if fw.ended {
		return
	}
	fw.bw.WriteString("0\r\n\r\n")
	if fw.flush() != nil {
		return
	}
	fw.ended = true
	_ = fw.conn.Close()
	fw.s.release(fw.conn)
}

// finish is called when the handler returns.
func (fw *faultWriter) finish() {
	if !fw.wrote {
		fw.WriteHeader(http.StatusOK)
	}
	fw.end()
}

func (fw *faultWriter) result() (int, int64) {
	if fw.status == 0 {
		return http.StatusOK, fw.sent
	}
	return fw.status, fw.sent
}

// recorder notes the status and body size of an ordinary answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) result() (int, int64) { return r.status, r.bytes }

// writeText sends a short plain-text answer.
func writeText(w http.ResponseWriter, status int, body string) {
	writeBody(w, status, "text/plain; charset=utf-8", body)
}

func writeBody(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	if _, isFault := w.(*faultWriter); !isFault {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if body != "" {
		_, _ = w.Write([]byte(body))
	}
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
