package engine_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/qrskit/qrs/internal/engine"
)

// A scripted Engine over real TLS, for what the test server never sends:
// each test gives the messages to send after every request it reads.

type script func(req string) []string

func scriptedEngine(t *testing.T, first []string, answer script) *engine.Conn {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := context.Background()
		for _, m := range first {
			typ := websocket.MessageText
			if strings.HasPrefix(m, "BINARY:") {
				typ, m = websocket.MessageBinary, strings.TrimPrefix(m, "BINARY:")
			}
			if ws.Write(ctx, typ, []byte(m)) != nil {
				return
			}
		}
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			for _, m := range answer(string(data)) {
				if ws.Write(ctx, websocket.MessageText, []byte(m)) != nil {
					return
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	c, err := engine.Dial(testContext(t), srv.Client(), "wss"+strings.TrimPrefix(srv.URL, "https")+"/app/x", nil, engine.Options{CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// idOf returns the id of a request, as the text between "id": and ",".
func idOf(req string) string {
	_, rest, _ := strings.Cut(req, `"id":`)
	id, _, _ := strings.Cut(rest, ",")
	return id
}

func TestNotificationsThatEndTheSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, note, want string }{
		{"must authenticate", `{"jsonrpc":"2.0","method":"OnAuthenticationInformation","params":{"userId":"x","mustAuthenticate":true,"loginUri":"https://idp/?token=abc"}}`, "asks for authentication"},
		{"timed out", `{"jsonrpc":"2.0","method":"OnSessionTimedOut","params":{}}`, "OnSessionTimedOut"},
		{"too many sessions", `{"jsonrpc":"2.0","method":"OnMaxParallelSessionsExceeded","params":{}}`, "OnMaxParallelSessionsExceeded"},
		{"not JSON", `<html>gateway error</html>`, "not a JSON object"},
		{"JSON but no object", `[1,2]`, "not a JSON object"},
		{"binary", "BINARY:\x00\x01", "binary message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := scriptedEngine(t, []string{tc.note}, func(string) []string { return nil })
			select {
			case <-c.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the connection did not end")
			}
			err := c.Call(testContext(t), -1, "EngineVersion", nil, nil)
			if !errors.Is(err, engine.ErrConnectionLost) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("call after %s: %v, want ErrConnectionLost saying %q", tc.name, err, tc.want)
			}
			if strings.Contains(err.Error(), "token=abc") {
				t.Errorf("the error holds the login URI: %v", err)
			}
		})
	}
}

func TestHarmlessMessagesAreIgnored(t *testing.T) {
	t.Parallel()
	first := []string{
		`{"jsonrpc":"2.0","method":"OnConnected","params":{"qSessionState":"SESSION_CREATED"}}`,
		`{"jsonrpc":"2.0","method":"OnAuthenticationInformation","params":{"mustAuthenticate":false}}`,
		`{"jsonrpc":"2.0","method":"OnSomethingNew","params":[1,2,3]}`,
		`{"jsonrpc":"2.0","id":999,"result":{}}`, // an id never used
		`{"jsonrpc":"2.0","id":"1","result":{}}`, // a string id is not ours
	}
	c := scriptedEngine(t, first, func(req string) []string {
		id := idOf(req)
		switch {
		case strings.Contains(req, `"GetLayout"`):
			return []string{`{"jsonrpc":"2.0","id":` + id + `,"result":{"qLayout":{"title":{"qStringExpression":{"qExpr":"='Sales ' & Year(Today())"}},"subtitle":42,"cells":[{"name":"a","type":"kpi","col":1.6,"row":"2","colspan":null}]}}}`}
		case strings.Contains(req, `"Fail"`):
			return []string{`{"jsonrpc":"2.0","id":` + id + `,"error":{"code":5,"parameter":{"odd":true},"message":"Access denied\n\u0007"}}`}
		case strings.Contains(req, `"Odd"`):
			return []string{`{"jsonrpc":"2.0","id":` + id + `,"result":{"qLayout":{"cells":"not a list"}}}`}
		}
		return []string{`{"jsonrpc":"2.0","id":` + id + `,"result":{"qReturn":{"qType":"Doc","qHandle":1}},"change":[1]}`}
	})
	ctx := testContext(t)
	if h, err := c.OpenDoc(ctx, "x", true); err != nil || h != 1 {
		t.Fatalf("OpenDoc = %d, %v", h, err)
	}
	l, err := c.GetLayout(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Title != "='Sales ' & Year(Today())" || l.Subtitle != "42" || len(l.Cells) != 1 || l.Cells[0] != (engine.Cell{Name: "a", Type: "kpi", Col: 2, Row: 2}) {
		t.Errorf("tolerant layout %+v", l)
	}
	err = c.Call(ctx, 1, "Fail", nil, nil)
	var e *engine.Error
	if !errors.As(err, &e) || e.Code != engine.CodeAccessDenied || e.Message != "Access denied" || e.Parameter != `{"odd":true}` {
		t.Errorf("error %#v", err)
	}
	if !strings.Contains(err.Error(), "access denied (5)") {
		t.Errorf("error text %q", err)
	}
	if _, err := c.GetLayout(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// An answer of the wrong shape fails that call, not the connection.
	var out struct {
		Layout engine.Layout `json:"qLayout"`
	}
	if err := c.Call(ctx, 1, "Odd", nil, &out); err == nil || errors.Is(err, engine.ErrConnectionLost) {
		t.Errorf("a wrong shape: %v", err)
	}
	if err := c.Call(ctx, 1, "Next", nil, nil); err != nil {
		t.Errorf("after a wrong shape: %v", err)
	}
	if c.SessionState() != "SESSION_CREATED" {
		t.Errorf("SessionState %q", c.SessionState())
	}
}

func TestDialRefusals(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	if _, err := engine.Dial(ctx, http.DefaultClient, "https://host/app/x", nil, engine.Options{}); err == nil {
		t.Error("an https:// URL was dialled")
	}
	if _, err := engine.Dial(ctx, nil, "wss://host/app/x", nil, engine.Options{}); err == nil {
		t.Error("a nil client was used")
	}
	// A closed port: the error names the URL without its token.
	_, err := engine.Dial(ctx, http.DefaultClient, "wss://127.0.0.1:1/app/x?qlik-csrf-token=SeCrEt", nil, engine.Options{})
	if err == nil || strings.Contains(err.Error(), "SeCrEt") || !strings.Contains(err.Error(), "wss://127.0.0.1:1/app/x") {
		t.Errorf("dial of a closed port: %v", err)
	}
	for _, tc := range []struct{ base, app, token, want string }{
		{"https://qlik.example.com/hdr/", "a-b", "t/+=", "wss://qlik.example.com/hdr/app/a-b?qlik-csrf-token=t%2F%2B%3D"},
		{"http://127.0.0.1:8080", "a", "", "ws://127.0.0.1:8080/app/a"},
		{"https://host:4747", "a", "", "wss://host:4747/app/a"},
	} {
		got, err := engine.AppURL(tc.base, tc.app, tc.token)
		if err != nil || got != tc.want {
			t.Errorf("AppURL(%q, %q, %q) = %q, %v; want %q", tc.base, tc.app, tc.token, got, err, tc.want)
		}
	}
	for _, bad := range [][2]string{{"ftp://h", "a"}, {"https://h", "a/b"}, {"https://h", ""}, {"not a url", "a"}} {
		if _, err := engine.AppURL(bad[0], bad[1], ""); err == nil {
			t.Errorf("AppURL(%q, %q) gave no error", bad[0], bad[1])
		}
	}
}
