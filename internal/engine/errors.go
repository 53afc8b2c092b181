package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Engine error codes, as the Engine sends them in a JSON-RPC error's code.
// The numbers are those of Qlik's list of Engine errors (qlik.dev, "Qlik
// Sense Engine (qix) errors", and the NxLocalizedErrorCode enum of the .NET
// SDK reference on help.qlik.com); 1002 and 1009 also appear as "Result="
// codes in Qlik's own troubleshooting page for opening an app
// (ServerLogTroubleshoot-Engine-Open-App). The JSON-RPC 2.0 codes are the
// specification's own.
const (
	CodeParseError     = -32700 // the request was not JSON
	CodeInvalidRequest = -32600 // the request was JSON but not a request
	CodeMethodNotFound = -32601 // no such method on the handle's type
	CodeInvalidParams  = -32602 // bad parameters, or an invalid handle
	CodeInternalError  = -32603 // the JSON-RPC layer failed

	CodeNotSet            = 1    // LOCERR_GENERIC_NOT_SET
	CodeNotFound          = 2    // LOCERR_GENERIC_NOT_FOUND
	CodeAccessDenied      = 5    // LOCERR_GENERIC_ACCESS_DENIED: e.g. GetLineage without the reload right
	CodeInvalidParameters = 8    // LOCERR_GENERIC_INVALID_PARAMETERS
	CodeAborted           = 15   // LOCERR_GENERIC_ABORTED
	CodeConnectionLost    = 16   // LOCERR_GENERIC_CONNECTION_LOST
	CodeAppAlreadyOpen    = 1002 // LOCERR_APP_ALREADY_OPEN: the session already has the app open
	CodeAppNotFound       = 1003 // LOCERR_APP_NOT_FOUND
	CodeAppOpenOtherMode  = 1009 // LOCERR_APP_ALREADY_OPEN_IN_DIFFERENT_MODE: open with data elsewhere
	CodeFileAccessDenied  = 3000 // LOCERR_FILE_ACCESS_DENIED
	CodeUserAccessDenied  = 4000 // LOCERR_USER_ACCESS_DENIED
)

// codeNames names the codes above in errors.
var codeNames = map[int]string{
	CodeParseError:        "parse error",
	CodeInvalidRequest:    "invalid request",
	CodeMethodNotFound:    "method not found",
	CodeInvalidParams:     "invalid params",
	CodeInternalError:     "internal JSON-RPC error",
	CodeNotSet:            "not set",
	CodeNotFound:          "not found",
	CodeAccessDenied:      "access denied",
	CodeInvalidParameters: "invalid parameters",
	CodeAborted:           "aborted",
	CodeConnectionLost:    "connection lost",
	CodeAppAlreadyOpen:    "app already open",
	CodeAppNotFound:       "app not found",
	CodeAppOpenOtherMode:  "app already open in a different mode",
	CodeFileAccessDenied:  "file access denied",
	CodeUserAccessDenied:  "user access denied",
}

// Error is an error the Engine answered a call with (a JSON-RPC error
// object). Message and Parameter are the server's text, bounded and
// stripped of control characters.
type Error struct {
	// Method is the method called, e.g. "GetLineage".
	Method string
	// Code is the Engine's error code: one of the Code constants or
	// another the Engine knows.
	Code      int
	Message   string
	Parameter string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("engine: ")
	b.WriteString(e.Method)
	b.WriteString(": ")
	if name, ok := codeNames[e.Code]; ok {
		b.WriteString(name)
	} else {
		b.WriteString("error")
	}
	b.WriteString(" (")
	b.WriteString(strconv.Itoa(e.Code))
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Parameter != "" {
		b.WriteString(" [")
		b.WriteString(e.Parameter)
		b.WriteString("]")
	}
	return b.String()
}

// Sentinels, matched with errors.Is.
var (
	// ErrTimeout is returned by a call the Engine did not answer within
	// Options.CallTimeout, and by Dial when the upgrade took longer than
	// Options.DialTimeout. The connection is then closed: through the
	// proxy, silence is how a dead socket shows.
	ErrTimeout = errors.New("engine: no answer in time")
	// ErrConnectionLost is returned by calls pending or made after the
	// socket failed (closed by the server, reset, unreadable message).
	ErrConnectionLost = errors.New("engine: connection lost")
	// ErrClosed is returned by calls pending or made after Close.
	ErrClosed = errors.New("engine: connection closed")
	// ErrObjectNotFound is returned when the Engine answers a Get of an
	// object, dimension or measure with no handle.
	ErrObjectNotFound = errors.New("engine: object not found")
)

// connError is why a connection failed: one of the sentinels plus the
// cause, without any URL or token.
type connError struct {
	kind  error
	cause string
}

func (e *connError) Error() string {
	if e.cause == "" {
		return e.kind.Error()
	}
	return e.kind.Error() + ": " + e.cause
}

func (e *connError) Is(target error) bool { return target == e.kind }

// HandshakeError is a refused WebSocket upgrade or CSRF token request: the
// HTTP status the proxy answered with, instead of 101 (or 204).
type HandshakeError struct {
	// StatusCode is the HTTP status, e.g. 401, 403, 302.
	StatusCode int
	// Location is the redirect target of a 3xx, without its query.
	Location string
	// Message is the start of the body (the proxy's reason), bounded and
	// stripped of control characters.
	Message string
}

func (e *HandshakeError) Error() string {
	s := "engine: upgrade refused with HTTP " + strconv.Itoa(e.StatusCode)
	if e.Location != "" {
		s += " to " + e.Location
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// clean bounds a server-sent text to n bytes of printable characters, so
// that it can go into an error.
func clean(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			b.WriteString("...")
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r == '\uFFFD':
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func errorf(format string, args ...any) error { return fmt.Errorf("engine: "+format, args...) }
