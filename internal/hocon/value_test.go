package hocon

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const getterSrc = `port = 3128
port_str = "3128"
port_env = ${PORT}
neg = -7
big = 9223372036854775808
frac = 1.5
exp = 1e3
zeros = "0123"
word = catalog
yes = yes
on = "on"
off = off
no = no
upper = YES
t = true
f = false
n = null
obj { a = 1 }
arr = [a, 1, true, 2.5]
arr_obj = [a, {}]
empty_arr = []
ms = 500
ms_frac = 1.5
dur_s = 30s
dur_sp = "1.5 minutes"
dur_long = 2 hours
dur_d = 1d
dur_ns = 10ns
dur_us = 3us
dur_neg = -2s
dur_bad_unit = 10 parsecs
dur_no_num = s
dur_upper = 10S
dur_huge = 1000000000d
scalar = x
nul { inner = null }
`

func parseGetters(t *testing.T) *Object {
	t.Helper()
	root, err := Parse("g.conf", []byte(getterSrc), mapEnv(map[string]string{"PORT": "8080"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return root
}

// line returns the 1-based line of key in getterSrc, for expected positions.
func line(t *testing.T, key string) int {
	t.Helper()
	for i, l := range strings.Split(getterSrc, "\n") {
		if strings.HasPrefix(l, key+" ") {
			return i + 1
		}
	}
	t.Fatalf("no line for %s", key)
	return 0
}

// checkErr requires err to be an *Error at key's value (column given) whose
// message is "key: " + msg.
func checkErr(t *testing.T, call string, err error, key string, col int, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s error %v, want *Error", call, err)
		return
	}
	want := Error{Pos: Pos{File: "g.conf", Line: line(t, key), Col: col}, Msg: key + ": " + msg}
	if *e != want {
		t.Errorf("%s error %q, want %q", call, err, want.Error())
	}
}

func TestGetString(t *testing.T) {
	root := parseGetters(t)
	tests := []struct {
		path string
		want string
		ok   bool
	}{
		{"port", "3128", true},
		{"port_str", "3128", true},
		{"port_env", "8080", true},
		{"frac", "1.5", true},
		{"exp", "1e3", true},
		{"t", "true", true},
		{"word", "catalog", true},
		{"obj.a", "1", true},
		{"n", "", false},
		{"missing", "", false},
		{"obj.missing", "", false},
		{"missing.deeper", "", false},
		{"nul.inner", "", false},
		{"n.below_null", "", false},
	}
	for _, tc := range tests {
		got, ok, err := root.GetString(tc.path)
		if err != nil || got != tc.want || ok != tc.ok {
			t.Errorf("GetString(%q) = %q, %v, %v; want %q, %v, nil", tc.path, got, ok, err, tc.want, tc.ok)
		}
	}
	_, ok, err := root.GetString("obj")
	if ok {
		t.Errorf("GetString(obj) ok")
	}
	checkErr(t, "GetString(obj)", err, "obj", 5, "expected a string, found an object")
	_, _, err = root.GetString("arr")
	checkErr(t, "GetString(arr)", err, "arr", 7, "expected a string, found an array")
	_, _, err = root.GetString("scalar.x")
	checkErr(t, "GetString(scalar.x)", err, "scalar", 10, "expected an object (to look up scalar.x), found a string")
}

func TestGetInt(t *testing.T) {
	root := parseGetters(t)
	for path, want := range map[string]int64{"port": 3128, "port_str": 3128, "port_env": 8080, "neg": -7, "obj.a": 1} {
		got, ok, err := root.GetInt(path)
		if err != nil || !ok || got != want {
			t.Errorf("GetInt(%q) = %d, %v, %v; want %d", path, got, ok, err, want)
		}
	}
	if _, ok, err := root.GetInt("missing"); ok || err != nil {
		t.Errorf("GetInt(missing) = %v, %v; want not ok, no error", ok, err)
	}
	errs := []struct {
		path string
		col  int
		msg  string
	}{
		{"big", 7, "number out of range"},
		{"frac", 8, "expected a whole number, found a fraction or exponent"},
		{"exp", 7, "expected a whole number, found a fraction or exponent"},
		{"zeros", 9, "expected a whole number, found a string that is not one"},
		{"word", 8, "expected a whole number, found a string that is not one"},
		{"t", 5, "expected a whole number, found a boolean"},
		{"obj", 5, "expected a whole number, found an object"},
		{"arr", 7, "expected a whole number, found an array"},
	}
	for _, tc := range errs {
		_, ok, err := root.GetInt(tc.path)
		if ok {
			t.Errorf("GetInt(%s) ok", tc.path)
		}
		checkErr(t, "GetInt("+tc.path+")", err, tc.path, tc.col, tc.msg)
	}
}

func TestGetFloat(t *testing.T) {
	root := parseGetters(t)
	for path, want := range map[string]float64{"port": 3128, "frac": 1.5, "exp": 1000, "port_str": 3128, "neg": -7} {
		got, ok, err := root.GetFloat(path)
		if err != nil || !ok || got != want {
			t.Errorf("GetFloat(%q) = %v, %v, %v; want %v", path, got, ok, err, want)
		}
	}
	_, _, err := root.GetFloat("word")
	checkErr(t, "GetFloat(word)", err, "word", 8, "expected a number, found a string that is not one")
	_, _, err = root.GetFloat("f")
	checkErr(t, "GetFloat(f)", err, "f", 5, "expected a number, found a boolean")
}

func TestGetBool(t *testing.T) {
	root := parseGetters(t)
	for path, want := range map[string]bool{"t": true, "f": false, "yes": true, "on": true, "off": false, "no": false} {
		got, ok, err := root.GetBool(path)
		if err != nil || !ok || got != want {
			t.Errorf("GetBool(%q) = %v, %v, %v; want %v", path, got, ok, err, want)
		}
	}
	_, _, err := root.GetBool("upper")
	checkErr(t, "GetBool(upper)", err, "upper", 9, "expected true or false (or yes/no, on/off), found a string that is none of these")
	_, _, err = root.GetBool("port")
	checkErr(t, "GetBool(port)", err, "port", 8, "expected a boolean, found a number")
	if _, ok, err := root.GetBool("n"); ok || err != nil {
		t.Errorf("GetBool(n) = %v, %v; want null to be not set", ok, err)
	}
}

func TestGetDuration(t *testing.T) {
	root := parseGetters(t)
	for path, want := range map[string]time.Duration{
		"ms": 500 * time.Millisecond, "ms_frac": 1500 * time.Microsecond, "dur_s": 30 * time.Second,
		"dur_sp": 90 * time.Second, "dur_long": 2 * time.Hour, "dur_d": 24 * time.Hour, "dur_ns": 10,
		"dur_us": 3 * time.Microsecond, "dur_neg": -2 * time.Second, "port_str": 3128 * time.Millisecond,
	} {
		got, ok, err := root.GetDuration(path)
		if err != nil || !ok || got != want {
			t.Errorf("GetDuration(%q) = %v, %v, %v; want %v", path, got, ok, err, want)
		}
	}
	errs := []struct {
		path string
		col  int
		msg  string
	}{
		{"dur_bad_unit", 16, "expected a duration such as 30s, 500ms or 2m, found an unknown unit"},
		{"dur_no_num", 14, "expected a duration such as 30s, 500ms or 2m, found a string that is not one"},
		{"dur_upper", 13, "expected a duration such as 30s, 500ms or 2m, found a string that is not one"},
		{"dur_huge", 12, "duration out of range"},
		{"word", 8, "expected a duration such as 30s, 500ms or 2m, found an unknown unit"},
		{"obj", 5, "expected a duration, found an object"},
	}
	for _, tc := range errs {
		_, _, err := root.GetDuration(tc.path)
		checkErr(t, "GetDuration("+tc.path+")", err, tc.path, tc.col, tc.msg)
	}
}

func TestGetStringsAndObject(t *testing.T) {
	root := parseGetters(t)
	got, ok, err := root.GetStrings("arr")
	if want := []string{"a", "1", "true", "2.5"}; err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("GetStrings(arr) = %q, %v, %v; want %q", got, ok, err, want)
	}
	got, ok, err = root.GetStrings("empty_arr")
	if err != nil || !ok || len(got) != 0 {
		t.Errorf("GetStrings(empty_arr) = %q, %v, %v; want empty", got, ok, err)
	}
	_, _, err = root.GetStrings("arr_obj")
	if err == nil || err.Error() != fmt.Sprintf("g.conf:%d:15: arr_obj[1]: expected a string, found an object", line(t, "arr_obj")) {
		t.Errorf("GetStrings(arr_obj) error %v", err)
	}
	_, _, err = root.GetStrings("word")
	checkErr(t, "GetStrings(word)", err, "word", 8, "expected an array, found a string")

	obj, ok, err := root.GetObject("obj")
	if err != nil || !ok || obj.Path() != "obj" || !reflect.DeepEqual(obj.Keys(), []string{"a"}) {
		t.Fatalf("GetObject(obj) = %v, %v, %v", obj, ok, err)
	}
	if n, ok, err := obj.GetInt("a"); n != 1 || !ok || err != nil {
		t.Errorf("obj.GetInt(a) = %d, %v, %v", n, ok, err)
	}
	_, _, err = root.GetObject("port")
	checkErr(t, "GetObject(port)", err, "port", 8, "expected an object, found a number")
	if _, err := root.Get(""); err == nil {
		t.Errorf("Get(\"\") gave no error")
	}
	if _, err := root.Get("a..b"); err == nil {
		t.Errorf("Get(a..b) gave no error")
	}
}

func TestLookupAndLeaves(t *testing.T) {
	src := "\"a.b\".c = 1\nx { y = [1] }\nx { z {} }\nw = 2\nw = 3\n"
	root, err := Parse("l.conf", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := root.Lookup("a.b", "c")
	if err != nil || v == nil || v.Text() != "1" || v.Path() != `"a.b".c` {
		t.Errorf("Lookup(a.b, c) = %v, %v", v, err)
	}
	if v, err := root.Get("a.b.c"); v != nil || err != nil {
		t.Errorf("Get(a.b.c) = %v, %v; want not found", v, err)
	}
	type leaf struct {
		path   string
		keyPos string
		kind   Kind
	}
	var got []leaf
	for _, l := range root.Leaves() {
		got = append(got, leaf{l.Path(), l.KeyPos.String(), l.Value.Kind()})
	}
	want := []leaf{
		{`"a.b".c`, "l.conf:1:1", KindNumber},
		{"x.y", "l.conf:2:5", KindArray},
		{"x.z", "l.conf:3:5", KindObject},
		{"w", "l.conf:5:1", KindNumber},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Leaves() = %v, want %v", got, want)
	}
	if v, keyPos, ok := root.Field("w"); !ok || v.Text() != "3" || keyPos.Line != 5 {
		t.Errorf("Field(w) = %v, %v, %v", v, keyPos, ok)
	}
	arr, _ := root.Get("x.y")
	elems, err := arr.AsArray()
	if err != nil || len(elems) != 1 || elems[0].Path() != "x.y[0]" {
		t.Errorf("AsArray(x.y) = %v, %v", elems, err)
	}
}

func TestValueErrorf(t *testing.T) {
	root, err := Parse("connection.conf", []byte("name = x\n\nproxy {\n  a = 1\n  b = 2\n  c = 3\n  port = 99999\n}"), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := root.Get("proxy.port")
	if err != nil || v == nil {
		t.Fatalf("Get(proxy.port) = %v, %v", v, err)
	}
	got := v.Errorf("must be a number from %d to %d", 1, 65535).Error()
	want := "connection.conf:7:10: proxy.port: must be a number from 1 to 65535"
	if got != want {
		t.Errorf("Errorf = %q, want %q", got, want)
	}
}

// TestNoSecretsInOutput checks that values never reach error messages or %v output.
func TestNoSecretsInOutput(t *testing.T) {
	const secret = "s3cretValue"
	src := "password = ${PASS}\nkey = \"" + secret + "\"\narr = [\"" + secret + "\"]\nobj { p = " + secret + " }\n"
	root, err := Parse("s.conf", []byte(src), mapEnv(map[string]string{"PASS": secret}))
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, l := range root.Leaves() {
		_, err1 := l.Value.AsInt()
		_, err2 := l.Value.AsBool()
		_, err3 := l.Value.AsDuration()
		_, err4 := l.Value.AsObject()
		outputs = append(outputs, fmt.Sprintf("%v %+v %#v %s", l, l, l, l.Value), fmt.Sprint(err1, err2, err3, err4))
	}
	outputs = append(outputs, fmt.Sprintf("%v %+v %#v", root, root, root))
	for _, bad := range []string{"password = " + secret + "!x\n", "p = \"" + secret + "\\q\"\n", "p = " + secret + "#x\n"} {
		_, err := Parse("s.conf", []byte(bad), nil)
		if err == nil {
			t.Fatalf("Parse(%q) gave no error", bad)
		}
		outputs = append(outputs, err.Error())
	}
	for _, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, "s3cret") {
			t.Errorf("output contains the secret: %s", out)
		}
	}
}

func TestPosAndErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Pos: Pos{File: "f.conf", Line: 3, Col: 7}, Msg: "m"}, "f.conf:3:7: m"},
		{&Error{Pos: Pos{Line: 3, Col: 7}, Msg: "m"}, "3:7: m"},
		{&Error{Pos: Pos{File: "f.conf"}, Msg: "m"}, "f.conf: m"},
		{&Error{Msg: "m"}, "m"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	root, err := Parse("v.conf", []byte("n = null\nf = 1e999\no { }\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := root.Get("n")
	if !n.IsNull() || n.Kind() != KindNull || n.Text() != "null" {
		t.Errorf("n = %v, want null", n)
	}
	if _, err := n.AsString(); err == nil || err.Error() != "v.conf:1:5: n: expected a string, found null" {
		t.Errorf("AsString(null) error %v", err)
	}
	f, _ := root.Get("f")
	if _, err := f.AsFloat(); err == nil || err.Error() != "v.conf:2:5: f: number out of range" {
		t.Errorf("AsFloat(1e999) error %v", err)
	}
	if _, err := f.AsArray(); err == nil || err.Error() != "v.conf:2:5: f: expected an array, found a number" {
		t.Errorf("AsArray(number) error %v", err)
	}
	o, _, _ := root.GetObject("o")
	if o.Pos() != (Pos{File: "v.conf", Line: 3, Col: 3}) || o.Len() != 0 {
		t.Errorf("o = %v at %v", o, o.Pos())
	}
	if _, _, ok := root.Field("missing"); ok {
		t.Errorf("Field(missing) ok")
	}
	if _, err := root.Lookup(); err == nil {
		t.Errorf("Lookup() gave no error")
	}
	if got := RenderPath("a", "b.c", "", "include", "x y", "é"); got != `a."b.c".""."include"."x y".é` {
		t.Errorf("RenderPath = %s", got)
	}
	if got := Kind(0).String(); got != "kind(0)" {
		t.Errorf("Kind(0) = %s", got)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"proxy.hostname", "proxy.hostname"},
		{strings.Repeat("k", 80), strings.Repeat("k", 80)},
		{strings.Repeat("k", 81), strings.Repeat("k", 80) + "…"},
		{"k" + long, "k" + long[:78] + "…"}, // cut before the character that byte 80 is inside
		{long, long[:80] + "…"},
	} {
		if got := Clip(tc.in); got != tc.want {
			t.Errorf("Clip(%.20q...) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
